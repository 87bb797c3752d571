import { z } from 'zod';

/**
 * Tokens an attempt spent on a language model, as an agent reports them on its result
 * (`AgentOutput.usage`, `AgentExecutionResult.outcome.usage`): the sum over every request the
 * attempt made, in the OpenAI field names, and the model that answered.
 */
export const TokenUsageSchema = z
  .strictObject({
    prompt_tokens: z.number().int().nonnegative(),
    completion_tokens: z.number().int().nonnegative(),
    total_tokens: z.number().int().nonnegative(),
    model: z.string().min(1).optional(),
  })
  .describe('Tokens the attempt spent on a language model, summed over its requests.');
export type TokenUsage = z.infer<typeof TokenUsageSchema>;
