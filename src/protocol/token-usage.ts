import { z } from 'zod';

/**
 * Tokens one attempt spent on a language model, as the agent reports them (the shared contract
 * of issue 21: `AgentOutput.usage`, carried on `AgentExecutionResult.usage`, beside the outcome, success or not): the sum over
 * every request the attempt made, in the OpenAI field names. Optional everywhere: agents that
 * call no model report none.
 */
export const TokenUsageSchema = z.looseObject({
  prompt_tokens: z.number().int().nonnegative().describe('Tokens sent to the model.'),
  completion_tokens: z.number().int().nonnegative().describe('Tokens the model answered with.'),
  total_tokens: z.number().int().nonnegative().describe('Both, as the model server counts them.'),
  model: z.string().min(1).optional().describe('The model that answered.'),
});
export type TokenUsage = z.infer<typeof TokenUsageSchema>;
