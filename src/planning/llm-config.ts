import { ErrorCodes, type Result, SwitchyardError, isSwitchyardError } from '../protocol/errors.js';
import { MAX_TIMER_MS, decimalInteger } from '../protocol/numbers.js';
import type { LlmBackend } from './llm-backend.js';
import { NO_API_KEY, type OpenAiCompatibleOptions, openAiCompatible } from './openai-compatible.js';

type Env = Readonly<Record<string, string | undefined>>;

/** A set variable's value, trimmed; `undefined` when unset or blank (a blank export means "unset"). */
function read(env: Env, name: string): { value: string; source: string } | undefined {
  const value = env[name]?.trim();
  return value ? { value, source: name } : undefined;
}

function invalid(message: string, details: Record<string, unknown>): Result<never> {
  return { ok: false, error: new SwitchyardError(ErrorCodes.INVALID_INPUT, message, details) };
}

/**
 * The language model backend the environment and the command line configure, or `undefined`
 * when no base URL is set anywhere (planning then runs without a model). Flags (`overrides`)
 * win over the environment:
 *
 * - base URL: `SWITCHYARD_LLM_BASE_URL`, else `OPENAI_BASE_URL`
 * - model: `SWITCHYARD_LLM_MODEL` (required once a base URL is set)
 * - API key: `SWITCHYARD_LLM_API_KEY`, else `OPENAI_API_KEY`, else none (local servers need none)
 * - timeout: `SWITCHYARD_LLM_TIMEOUT_MS`, plain decimal milliseconds from 1
 *
 * A bad value is returned as `INVALID_INPUT` naming the variable, not thrown.
 *
 * @example
 * const llm = llmBackendFromEnv(process.env, { model: flags.model });
 * if (!llm.ok) fail(llm.error);
 * else if (llm.value === undefined) console.log('no model configured: planning without one');
 */
export function llmBackendFromEnv(
  env: Env = process.env,
  overrides: Partial<OpenAiCompatibleOptions> = {},
): Result<LlmBackend | undefined> {
  const baseURL =
    overrides.baseURL !== undefined
      ? { value: overrides.baseURL, source: 'baseURL' }
      : (read(env, 'SWITCHYARD_LLM_BASE_URL') ?? read(env, 'OPENAI_BASE_URL'));
  if (baseURL === undefined) return { ok: true, value: undefined };
  const model = overrides.model ?? read(env, 'SWITCHYARD_LLM_MODEL')?.value;
  if (model === undefined || model.trim() === '') {
    return invalid(
      `A language model base URL is set (${baseURL.source}) but no model: pass --model or set SWITCHYARD_LLM_MODEL (e.g. llama3.1:8b for Ollama, gpt-4o-mini for OpenAI).`,
      { option: 'model', source: baseURL.source },
    );
  }
  let timeoutMs = overrides.timeoutMs;
  const timeoutText = read(env, 'SWITCHYARD_LLM_TIMEOUT_MS');
  if (timeoutMs === undefined && timeoutText !== undefined) {
    const n = decimalInteger(timeoutText.value);
    if (n === undefined || n < 1 || n > MAX_TIMER_MS) {
      return invalid(
        `SWITCHYARD_LLM_TIMEOUT_MS must be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}, written in plain decimal digits; got ${JSON.stringify(timeoutText.value)}.`,
        {
          variable: 'SWITCHYARD_LLM_TIMEOUT_MS',
          value: timeoutText.value,
        },
      );
    }
    timeoutMs = n;
  }
  const apiKey =
    overrides.apiKey ?? read(env, 'SWITCHYARD_LLM_API_KEY')?.value ?? read(env, 'OPENAI_API_KEY')?.value ?? NO_API_KEY;
  try {
    return {
      ok: true,
      value: openAiCompatible({
        ...overrides,
        baseURL: baseURL.value,
        model,
        apiKey,
        ...(timeoutMs === undefined ? {} : { timeoutMs }),
      }),
    };
  } catch (error) {
    if (!isSwitchyardError(error)) throw error;
    // Say where the bad value came from: the option name alone does not tell a CLI user which variable to fix.
    const from = error.details.option === 'baseURL' ? ` (from ${baseURL.source})` : '';
    return {
      ok: false,
      error: new SwitchyardError(error.code, `${error.message}${from}`, {
        ...error.details,
        ...(from ? { source: baseURL.source } : {}),
      }),
    };
  }
}
