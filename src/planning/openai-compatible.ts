import type { OpenAI } from 'openai';
import { z } from 'zod';
import { ErrorCodes, type Result, SwitchyardError } from '../protocol/errors.js';
import { MAX_TIMER_MS } from '../protocol/numbers.js';
import { parseWith } from '../protocol/parse.js';
import { readReply } from './chat-reply.js';
import type { LlmBackend, LlmRequest, LlmResponse, StructuredMode } from './llm-backend.js';
import { cancelled, isStructuredRejection, llmFailure, type FailureContext, type OpenAiSdk } from './llm-failure.js';
import { STRUCTURED_FALLBACK, messagesFor, responseFormat } from './structured-output.js';

/** Options of {@link openAiCompatible}. */
export interface OpenAiCompatibleOptions {
  /** The API root, e.g. `http://localhost:11434/v1` (Ollama) or `https://api.openai.com/v1`. */
  baseURL: string;
  /** The model to ask, e.g. `llama3.1:8b` or `gpt-4o-mini`. */
  model: string;
  /**
   * Sent as `Authorization: Bearer …`. Local servers ignore it.
   * @default process.env.OPENAI_API_KEY, else `'not-needed'`
   */
  apiKey?: string;
  /**
   * How long one HTTP attempt may wait for the server's answer, in milliseconds. Retries get
   * their own; the request as a whole can take up to `(maxRetries + 1)` times this plus backoff.
   * @default 60000
   */
  timeoutMs?: number;
  /**
   * Retries, with backoff, after 408, 409, 429, 5xx and connection errors (the openai
   * client's own; a `retry-after` header is honoured).
   * @default 2
   */
  maxRetries?: number;
  /**
   * How to ask for JSON when a request has `json`: `auto` tries `json_schema` (structured
   * output), then `json_object` (JSON mode), then `none` (an instruction in the system
   * message) as the server refuses each, and keeps using the first that works.
   * @default 'auto'
   */
  structuredOutput?: 'auto' | StructuredMode;
  /** The `fetch` the client uses (a proxy, a test). @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
  /** The clock `latencyMs` is measured with, in milliseconds. @default performance.now */
  now?: () => number;
  /** Headers sent with every request (a gateway's routing or auth header). @default {} */
  headers?: Readonly<Record<string, string>>;
}

const isFunction = (v: unknown) => typeof v === 'function';

const OptionsSchema = z.strictObject({
  baseURL: z.string().min(1),
  model: z.string().trim().min(1, 'name the model to ask, e.g. llama3.1:8b'),
  apiKey: z.string().min(1).optional(),
  timeoutMs: z.number().int().min(1).max(MAX_TIMER_MS).optional(),
  maxRetries: z.number().int().min(0).max(10).optional(),
  structuredOutput: z.enum(['auto', 'json_schema', 'json_object', 'none']).optional(),
  fetch: z.custom<typeof globalThis.fetch>(isFunction, 'expected a fetch function').optional(),
  now: z.custom<() => number>(isFunction, 'expected a function returning milliseconds').optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

const DEFAULT_TIMEOUT_MS = 60_000;
const DEFAULT_MAX_RETRIES = 2;
/** The key sent when none is configured: local servers ignore it, but the client refuses to start without one. */
export const NO_API_KEY = 'not-needed';

function invalid(message: string, details: Record<string, unknown>): SwitchyardError {
  return new SwitchyardError(ErrorCodes.INVALID_INPUT, message, details);
}

/**
 * The base URL as the client uses it, and as reports show it. Credentials in the URL are
 * refused: `fetch` will not send a request to such a URL, and a report must never show them.
 */
function checkedBaseUrl(baseURL: string): string {
  const shown = baseURL.includes('@') ? '(not shown: it contains @)' : JSON.stringify(baseURL);
  if (!URL.canParse(baseURL))
    throw invalid(
      `openAiCompatible: baseURL must be an http:// or https:// URL such as http://localhost:11434/v1; got ${shown}.`,
      { option: 'baseURL' },
    );
  const url = new URL(baseURL);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(
      `openAiCompatible: baseURL must be an http:// or https:// URL such as http://localhost:11434/v1; got ${shown}.`,
      { option: 'baseURL' },
    );
  }
  if (url.username !== '' || url.password !== '') {
    url.username = '';
    url.password = '';
    throw invalid(
      `openAiCompatible: baseURL must not carry credentials (user:password@): fetch refuses such URLs. Pass the key as apiKey or set OPENAI_API_KEY; got ${url.href}.`,
      { option: 'baseURL', baseURL: url.href },
    );
  }
  return url.href.replace(/\/+$/u, '');
}

/** The options, checked, with their defaults filled in. */
interface Settings {
  readonly endpoint: string;
  readonly model: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly mode: 'auto' | StructuredMode;
  readonly now: () => number;
  readonly fetch: typeof globalThis.fetch | undefined;
  readonly headers: Record<string, string> | undefined;
}

/** Checks the options at once (`INVALID_INPUT` naming the bad one) and fills in the defaults. */
function settingsOf(options: OpenAiCompatibleOptions): Settings {
  const parsed = parseWith(OptionsSchema, options, 'openAiCompatible options');
  if (!parsed.ok) throw parsed.error;
  const o = parsed.value;
  return {
    endpoint: checkedBaseUrl(o.baseURL),
    model: o.model.trim(),
    apiKey: o.apiKey ?? (process.env.OPENAI_API_KEY || NO_API_KEY),
    timeoutMs: o.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxRetries: o.maxRetries ?? DEFAULT_MAX_RETRIES,
    mode: o.structuredOutput ?? 'auto',
    now: o.now ?? (() => performance.now()),
    fetch: o.fetch,
    headers: o.headers ? { ...o.headers } : undefined,
  };
}

interface LoadedSdk {
  readonly OpenAI: OpenAiSdk;
  readonly client: OpenAI;
}

/**
 * `openai` is loaded on the first request, not with `switchyard`: an embedder that never
 * plans with a model does not pay its import (a few hundred ms on a busy machine).
 */
function sdkLoader(s: Settings): () => Promise<LoadedSdk> {
  let sdk: Promise<LoadedSdk> | undefined;
  return () => {
    sdk ??= import('openai').then(({ OpenAI }) => ({
      OpenAI,
      client: new OpenAI({
        baseURL: s.endpoint,
        apiKey: s.apiKey,
        timeout: s.timeoutMs,
        maxRetries: s.maxRetries,
        ...(s.fetch ? { fetch: s.fetch } : {}),
        ...(s.headers ? { defaultHeaders: s.headers } : {}),
      }),
    }));
    return sdk;
  };
}

/** The `LLM_FAILED` answer when the `openai` package itself cannot be loaded. */
function sdkMissing(error: unknown, s: Settings): Result<never> {
  const name = error instanceof Error ? error.name : typeof error;
  return {
    ok: false,
    error: new SwitchyardError(
      ErrorCodes.LLM_FAILED,
      `Could not load the openai package (${name}) to ask ${s.endpoint}: reinstall Switchyard's dependencies (npm ci).`,
      { endpoint: s.endpoint, model: s.model },
    ),
  };
}

/** One chat-completions call, asking for JSON the `structured` way. */
async function attempt(
  client: OpenAI,
  model: string,
  request: LlmRequest,
  structured: StructuredMode,
): Promise<unknown> {
  const format = request.json === undefined ? undefined : responseFormat(structured, request.json);
  return client.chat.completions.create(
    {
      model,
      messages: messagesFor(structured, request.messages, request.json),
      temperature: request.temperature ?? 0,
      ...(request.maxTokens === undefined ? {} : { max_tokens: request.maxTokens }),
      ...(format === undefined ? {} : { response_format: format }),
    },
    request.signal ? { signal: request.signal } : {},
  );
}

/**
 * A {@link LlmBackend} for any server that speaks OpenAI's chat-completions API: OpenAI,
 * Ollama, vLLM, llama.cpp server, LM Studio. Options are checked at once: a bad `baseURL`,
 * an empty `model` or a negative timeout throws `INVALID_INPUT` naming the option. After
 * that, `complete` never throws; see {@link LlmBackend} for its error codes.
 *
 * @example
 * const llm = openAiCompatible({ baseURL: 'http://localhost:11434/v1', model: 'llama3.1:8b' });
 * const answer = await llm.complete({
 *   messages: [{ role: 'user', content: 'Split "build the docs site" into tasks.' }],
 *   json: { name: 'plan', schema: { type: 'object', properties: { tasks: { type: 'array' } } } },
 * });
 * if (answer.ok) console.log(answer.value.text, answer.value.structured);
 * else console.error(answer.error.code, answer.error.message);
 */
export function openAiCompatible(options: OpenAiCompatibleOptions): LlmBackend {
  const s = settingsOf(options);
  const { endpoint, model, mode, now } = s;
  const loaded = sdkLoader(s);
  const ctx: FailureContext = { endpoint, model, timeoutMs: s.timeoutMs, maxRetries: s.maxRetries, apiKey: s.apiKey };
  /** Where `auto` starts: the first way of asking for JSON this server has accepted. */
  let learned: StructuredMode = 'json_schema';

  function modesFor(request: LlmRequest): readonly StructuredMode[] {
    if (request.json === undefined) return ['none'];
    if (mode !== 'auto') return [mode];
    return STRUCTURED_FALLBACK.slice(STRUCTURED_FALLBACK.indexOf(learned));
  }

  async function complete(request: LlmRequest): Promise<Result<LlmResponse>> {
    let api: LoadedSdk;
    try {
      api = await loaded();
    } catch (error) {
      return sdkMissing(error, s);
    }
    // Started after the module load, so the first call's latency is the server's, not ours.
    const started = now();
    const modes = modesFor(request);
    for (const [index, structured] of modes.entries()) {
      let body: unknown;
      try {
        body = await attempt(api.client, model, request, structured);
      } catch (error) {
        if (request.signal?.aborted) return { ok: false, error: cancelled(ctx) };
        if (index < modes.length - 1 && isStructuredRejection(error, api.OpenAI)) continue;
        return { ok: false, error: llmFailure(error, ctx, api.OpenAI) };
      }
      // The server took this way of asking, whatever the model then said: start there next time.
      if (request.json !== undefined && mode === 'auto') learned = structured;
      return readReply(body, ctx, structured, now() - started);
    }
    // Unreachable: modesFor never returns an empty list, and the last mode returns above.
    return {
      ok: false,
      error: new SwitchyardError(ErrorCodes.LLM_FAILED, `No way of asking ${endpoint} for JSON was left to try.`, {
        endpoint,
        model,
      }),
    };
  }

  return { endpoint, model, complete };
}
