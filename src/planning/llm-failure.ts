import type { APIError, OpenAI } from 'openai';
import { z } from 'zod';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';

/**
 * The `openai` module's client class, whose statics are its error classes. Passed in rather
 * than imported, because the backend loads `openai` only on its first request.
 */
export type OpenAiSdk = typeof OpenAI;

/** What a failure message names, and the secret it must never contain. */
export interface FailureContext {
  readonly endpoint: string;
  readonly model: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  /** Only to scrub it out of anything a server echoes back; never shown. */
  readonly apiKey: string;
}

const ServerErrorSchema = z.object({ message: z.string() });
const MAX_QUOTED = 300;

/** Where the environment says the key comes from, for messages about a missing or wrong key. */
const API_KEY_SOURCES = 'OPENAI_API_KEY or SWITCHYARD_LLM_API_KEY (or pass apiKey)';

/** `text` with every occurrence of the key masked: a proxy may echo the Authorization header. */
function scrubbed(text: string, apiKey: string): string {
  return apiKey.length >= 4 ? text.split(apiKey).join('***') : text;
}

/** The server's own words (`error.message` of an OpenAI-style body), scrubbed and cut short. */
function serverSaid(error: APIError, ctx: FailureContext): string {
  const body = ServerErrorSchema.safeParse(error.error);
  const text = scrubbed(body.success ? body.data.message : error.message, ctx.apiKey);
  return JSON.stringify(text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text);
}

/** How many tries the client made, for a sentence about giving up. */
function gaveUp(maxRetries: number): string {
  return maxRetries > 0
    ? `gave up after ${maxRetries} ${maxRetries === 1 ? 'retry' : 'retries'}`
    : 'retries are off (maxRetries: 0)';
}

/** ` (a, b)` of the parts present, or nothing. */
function parenthesized(...parts: ReadonlyArray<string | undefined>): string {
  const present = parts.filter((p): p is string => p !== undefined && p !== '');
  return present.length > 0 ? ` (${present.join(', ')})` : '';
}

/** The first string `code` down a chain of causes (`ECONNREFUSED`, `ENOTFOUND`…). */
function causeCode(error: unknown): string | undefined {
  let current = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth += 1) {
    if ('code' in current && typeof current.code === 'string') return current.code;
    current = 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}

/**
 * Whether the server refused the way JSON was asked for (a 400 or 422 naming
 * `response_format`, `json_schema` or an unsupported feature), so `auto` should try the next
 * weaker way rather than fail.
 */
export function isStructuredRejection(error: unknown, sdk: OpenAiSdk): boolean {
  if (!(error instanceof sdk.APIError) || (error.status !== 400 && error.status !== 422)) return false;
  const body = ServerErrorSchema.safeParse(error.error);
  const text = body.success ? body.data.message : error.message;
  return /response_format|json_schema|json_object|unsupported|not supported/iu.test(text);
}

/** A failed request as a coded error that names the endpoint, the model and what to do. */
export function llmFailure(error: unknown, ctx: FailureContext, sdk: OpenAiSdk): SwitchyardError {
  const { endpoint, model, maxRetries } = ctx;
  const tries = maxRetries > 0 ? `tried ${maxRetries + 1} times` : '';
  if (error instanceof sdk.APIUserAbortError) return cancelled(ctx);
  if (error instanceof sdk.APIConnectionTimeoutError) {
    return new SwitchyardError(
      ErrorCodes.REQUEST_TIMEOUT,
      `${endpoint} did not answer model ${model}'s request within ${ctx.timeoutMs} ms${tries ? ` (${tries})` : ''}. Raise timeoutMs (SWITCHYARD_LLM_TIMEOUT_MS) if the model is slow (a local model can take minutes to load on its first request), or check that the server is not stuck.`,
      { endpoint, model, timeoutMs: ctx.timeoutMs, retryable: true },
    );
  }
  if (error instanceof sdk.APIConnectionError) {
    const code = causeCode(error);
    return new SwitchyardError(
      ErrorCodes.LLM_FAILED,
      `Could not connect to ${endpoint} for model ${model}${parenthesized(code, tries)}. Check that the server is running and that the base URL is right (Ollama: http://localhost:11434/v1, llama.cpp server: http://localhost:8080/v1).`,
      { endpoint, model, retryable: true, ...(code ? { cause: code } : {}) },
    );
  }
  if (error instanceof sdk.APIError && typeof error.status === 'number') {
    return new SwitchyardError(ErrorCodes.LLM_FAILED, httpMessage(error.status, error, ctx), {
      status: error.status,
      endpoint,
      model,
    });
  }
  const name = error instanceof Error ? error.name : typeof error;
  return new SwitchyardError(
    ErrorCodes.LLM_FAILED,
    `${endpoint} answered model ${model}'s request with a body that could not be read (${name}). Check that the base URL points at an OpenAI-compatible API (it usually ends in /v1), not at a web page or a proxy's error page.`,
    { endpoint, model },
  );
}

function httpMessage(status: number, error: APIError, ctx: FailureContext): string {
  const { endpoint, model, maxRetries } = ctx;
  const said = `The server said: ${serverSaid(error, ctx)}.`;
  if (status === 401 || status === 403) {
    return `${endpoint} refused the request for model ${model} with HTTP ${status}: the API key is missing or wrong. Set ${API_KEY_SOURCES} to a key this server accepts. ${said}`;
  }
  if (status === 404) {
    return `${endpoint} answered HTTP 404 for model ${model}: the model or the path is unknown. Check the model name (GET ${endpoint}/models lists what the server serves) and that the base URL is the API root, which usually ends in /v1. ${said}`;
  }
  if (status === 429) {
    return `${endpoint} answered HTTP 429 (too many requests) for model ${model}; ${gaveUp(maxRetries)}. Wait before trying again, send fewer requests, or raise maxRetries. ${said}`;
  }
  if (status >= 500 || status === 408 || status === 409) {
    return `${endpoint} answered HTTP ${status} for model ${model}; ${gaveUp(maxRetries)}. Check the server's log (it may be out of memory or still loading the model) and try again. ${said}`;
  }
  return `${endpoint} rejected the request for model ${model} with HTTP ${status}. ${said} Check the model name and the request options (temperature, maxTokens, structuredOutput).`;
}

/** The request was aborted through its signal: the caller's doing, so said plainly. */
export function cancelled(ctx: Pick<FailureContext, 'endpoint' | 'model'>): SwitchyardError {
  return new SwitchyardError(
    ErrorCodes.LLM_FAILED,
    `The request to ${ctx.endpoint} for model ${ctx.model} was cancelled: its signal was aborted.`,
    {
      endpoint: ctx.endpoint,
      model: ctx.model,
      aborted: true,
    },
  );
}
