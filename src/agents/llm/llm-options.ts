import { z } from 'zod';
import { llmBackendFromEnv } from '../../planning/llm-config.js';
import type { LlmBackend, LlmRequest, LlmResponse } from '../../planning/llm-backend.js';
import { openAiCompatible } from '../../planning/openai-compatible.js';
import { AgentError } from '../../pool/agent.js';
import { ErrorCodes, SwitchyardError } from '../../protocol/errors.js';
import { MAX_TIMER_MS } from '../../protocol/numbers.js';
import type { TokenUsage } from '../../protocol/token-usage.js';

/**
 * The model an LLM agent asks, as its module options give it (JSON: it is copied into each
 * worker thread). The key is never an option: `apiKeyEnv` names the variable that holds it.
 */
export const LlmOptionsSchema = z.strictObject({
  /** An OpenAI-compatible API root, e.g. `http://localhost:11434/v1`. */
  baseURL: z.string().min(1),
  /** The model to ask, e.g. `llama3.1:8b`. */
  model: z.string().trim().min(1),
  /** The environment variable holding the API key. @default OPENAI_API_KEY, else no key */
  apiKeyEnv: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/u, 'an environment variable name')
    .optional(),
  /** One HTTP attempt's deadline, in milliseconds. @default 60000 */
  timeoutMs: z.number().int().min(1).max(MAX_TIMER_MS).optional(),
  /** @default 0 */
  temperature: z.number().min(0).max(2).optional(),
  /** The answer's length limit, in tokens. @default the server's */
  maxTokens: z.number().int().min(1).optional(),
});
export type LlmOptions = z.input<typeof LlmOptionsSchema>;

/** A backend with the request settings its options gave. */
export interface AgentLlm {
  readonly backend: LlmBackend;
  readonly temperature: number | undefined;
  readonly maxTokens: number | undefined;
}

/**
 * The model of an agent: from its `llm` option, else from the environment as
 * `llmBackendFromEnv` reads it (in the worker thread), else `undefined` (no model). Built once
 * per worker, so every attempt reuses the same client. A bad value throws `INVALID_INPUT`, so
 * `createRuntime` fails naming it.
 */
export function agentLlm(
  options: z.infer<typeof LlmOptionsSchema> | undefined,
  env = process.env,
): AgentLlm | undefined {
  if (options === undefined) {
    const fromEnv = llmBackendFromEnv(env);
    if (!fromEnv.ok) throw fromEnv.error;
    return fromEnv.value && { backend: fromEnv.value, temperature: undefined, maxTokens: undefined };
  }
  const key = options.apiKeyEnv === undefined ? undefined : env[options.apiKeyEnv]?.trim();
  if (options.apiKeyEnv !== undefined && !key)
    throw new SwitchyardError(
      ErrorCodes.INVALID_INPUT,
      `The llm option apiKeyEnv names ${options.apiKeyEnv}, which is not set in the environment: set it to the API key, or drop apiKeyEnv for a server that needs none.`,
      { option: 'llm.apiKeyEnv' },
    );
  const backend = openAiCompatible({
    baseURL: options.baseURL,
    model: options.model,
    ...(key ? { apiKey: key } : {}),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  });
  return { backend, temperature: options.temperature, maxTokens: options.maxTokens };
}

/** HTTP statuses after which asking again cannot help: the request or the configuration is wrong. */
function isPermanentStatus(status: unknown): boolean {
  return typeof status === 'number' && status >= 400 && status < 500 && ![408, 409, 429].includes(status);
}

/**
 * A backend failure as the attempt's failure, by seed 003's table: a timeout or a server fault
 * is a transient model inference error (recoverable); a refusal is not, nor a 4xx that says the
 * request or the key is wrong (a retry would be refused the same way).
 */
export function llmAgentError(error: SwitchyardError): AgentError {
  if (error.code === ErrorCodes.LLM_REFUSED)
    return new AgentError(ErrorCodes.LLM_REFUSED, error.message, { recoverable: false, cause: error });
  const recoverable = error.code === ErrorCodes.REQUEST_TIMEOUT || !isPermanentStatus(error.details.status);
  return new AgentError(error.code, error.message, { recoverable, cause: error });
}

/**
 * Sends `messages` (and `json`, when asked) to the model, honouring the attempt's signal: an
 * abort is thrown as it is, so the runtime reports `ABORTED`; any other failure as
 * {@link llmAgentError}.
 */
export async function ask(
  llm: AgentLlm,
  request: Pick<LlmRequest, 'messages' | 'json'>,
  signal: AbortSignal,
): Promise<LlmResponse> {
  const answer = await llm.backend.complete({
    ...request,
    signal,
    ...(llm.temperature === undefined ? {} : { temperature: llm.temperature }),
    ...(llm.maxTokens === undefined ? {} : { maxTokens: llm.maxTokens }),
  });
  if (answer.ok) return answer.value;
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : answer.error;
  throw llmAgentError(answer.error);
}

/** Sums what the responses used, in the result's `usage` shape; `undefined` when no server reported any. */
export function usageOf(responses: readonly LlmResponse[]): TokenUsage | undefined {
  const counted = responses.filter((r) => r.usage !== undefined);
  if (counted.length === 0) return undefined;
  const sum = (pick: (r: LlmResponse) => number) => counted.reduce((n, r) => n + pick(r), 0);
  const model = counted[counted.length - 1].model;
  return {
    prompt_tokens: sum((r) => r.usage?.promptTokens ?? 0),
    completion_tokens: sum((r) => r.usage?.completionTokens ?? 0),
    total_tokens: sum((r) => r.usage?.totalTokens ?? 0),
    ...(model ? { model } : {}),
  };
}
