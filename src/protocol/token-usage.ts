import { z } from 'zod';

/**
 * Tokens one attempt spent on a language model, as the agent reports them (the shared contract
 * of issue 21: `AgentOutput.usage`, carried on `AgentExecutionResult.usage`). Optional
 * everywhere: agents that call no model report none.
 */
export const TokenUsageSchema = z.looseObject({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
  model: z.string().optional(),
});
export type TokenUsage = z.infer<typeof TokenUsageSchema>;
