import { z } from 'zod';
import type { InputLimits } from './inputs.js';
import { LlmOptionsSchema } from './llm-options.js';

/** Options every LLM agent module takes, beside its own. */
export const LlmAgentOptionsShape = {
  /** The model; absent: the environment's (`SWITCHYARD_LLM_BASE_URL`, `SWITCHYARD_LLM_MODEL`, …), else none. */
  llm: LlmOptionsSchema.optional(),
  /** Replaces the agent's system prompt. */
  systemPrompt: z.string().min(1).optional(),
  /** Characters of one input put into a prompt. @default 16000 */
  maxInputChars: z.number().int().min(0).default(16_000),
  /** Characters of all inputs together put into a prompt. @default 48000 */
  maxPromptInputChars: z.number().int().min(0).default(48_000),
  /** Capability ids or prefixes the agent serves (its default suits `TASK_TYPE_ROUTES`). */
  capabilities: z
    .array(z.string().regex(/^[^\s*]*\*?$/u, 'a capability id, or a prefix ending in *'))
    .min(1)
    .optional(),
};

/** The input limits of parsed options. */
export function limitsOf(o: { maxInputChars: number; maxPromptInputChars: number }): InputLimits {
  return { perInput: o.maxInputChars, total: o.maxPromptInputChars };
}
