import type { LlmBackend } from '../planning/llm-backend.js';
import { llmBackendFromEnv } from '../planning/llm-config.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { positiveInt } from './numeric-flags.js';

/** The language model flags of the commands that can use one (`plan`). */
export const llmFlags = {
  llm: { type: 'string' },
  model: { type: 'string' },
  'api-key': { type: 'string' },
  'llm-timeout': { type: 'string' },
  'max-repairs': { type: 'string' },
} as const;

export const llmFlagsHelp = `  --llm <base-url>      plan with a model behind this OpenAI-compatible endpoint
                        (OpenAI, Ollama, vLLM, llama.cpp, LM Studio; or $SWITCHYARD_LLM_BASE_URL)
  --model <name>        the model to ask (or $SWITCHYARD_LLM_MODEL)
  --api-key <key>       its API key (better: $SWITCHYARD_LLM_API_KEY or $OPENAI_API_KEY,
                        which other users of this machine cannot see in its process list)
  --llm-timeout <ms>    per request (default 60000, or $SWITCHYARD_LLM_TIMEOUT_MS)
  --max-repairs <n>     rounds a model gets to repair its plan's problems (default 2)
`;

/** The backend the flags and the environment configure, or `undefined` for none; bad values are `USAGE_ERROR`. */
export function llmFromFlags(
  values: { llm?: string; model?: string; 'api-key'?: string; 'llm-timeout'?: string },
  env: NodeJS.ProcessEnv = process.env,
): LlmBackend | undefined {
  const timeoutMs = positiveInt('llm-timeout', values['llm-timeout']);
  const made = llmBackendFromEnv(env, {
    ...(values.llm === undefined ? {} : { baseURL: values.llm }),
    ...(values.model === undefined ? {} : { model: values.model }),
    ...(values['api-key'] === undefined ? {} : { apiKey: values['api-key'] }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  if (!made.ok) throw new SwitchyardError(ErrorCodes.USAGE_ERROR, made.error.message, made.error.details);
  if (made.value === undefined && values.model !== undefined) {
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      '--model names a model, but no endpoint is given: add --llm <base-url> (e.g. http://localhost:11434/v1 for Ollama) or set SWITCHYARD_LLM_BASE_URL.',
      { flag: 'model' },
    );
  }
  return made.value;
}
