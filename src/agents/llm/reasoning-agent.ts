import { z } from 'zod';
import { type AgentContext, type AgentDefinition, type AgentOutput, defineAgent } from '../../pool/agent.js';
import { defineAgentFactory } from '../../pool/agent-factory.js';
import type { Dispatch } from '../../protocol/dispatch-output.js';
import { LlmAgentOptionsShape, limitsOf } from './agent-options.js';
import { type InputLimits, readInputs } from './inputs.js';
import { type AgentLlm, agentLlm, ask, usageOf } from './llm-options.js';
import { NO_MODEL, noModelReport } from './no-model-report.js';
import { firstLine, taskPrompt } from './task-prompt.js';

/** Options of the reasoning agent module (its `agents` entry's `options`). */
export const ReasoningAgentOptionsSchema = z.strictObject({
  /** The agent's name: the routing target. @default 'reasoning_agent' */
  name: z.string().min(1).default('reasoning_agent'),
  ...LlmAgentOptionsShape,
});
export type ReasoningAgentOptions = z.input<typeof ReasoningAgentOptionsSchema>;

/** Synthesis, design and review tasks: where `TASK_TYPE_ROUTES` and seed 003's table send the reasoning agent work. */
const DEFAULT_CAPABILITIES = ['CAP-SYN-*', 'CAP-DES-*', 'CAP-REV-*'];

export const REASONING_SYSTEM_PROMPT =
  'You are the reasoning agent of a workflow. Answer the task from its inputs: synthesize them, name the input each claim rests on, and say plainly what the inputs do not cover. Write Markdown.';

async function writeAll(dispatch: Dispatch, ctx: AgentContext, text: string): Promise<void> {
  for (const ref of dispatch.output_refs_expected) await ctx.write(ref, text, { assetType: 'text/markdown' });
}

async function handle(
  llm: AgentLlm | undefined,
  system: string,
  limits: InputLimits,
  dispatch: Dispatch,
  ctx: AgentContext,
): Promise<AgentOutput> {
  const docs = await readInputs(dispatch, ctx, limits);
  if (llm === undefined) {
    await writeAll(dispatch, ctx, noModelReport(dispatch, docs, limits));
    return { summary: `${NO_MODEL} It lists ${docs.length} input(s) for ${dispatch.task_id}.` };
  }
  ctx.progress({ message: `asking ${llm.backend.model}` });
  const response = await ask(
    llm,
    {
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: taskPrompt(dispatch, docs, limits) },
      ],
    },
    ctx.signal,
  );
  await writeAll(dispatch, ctx, response.text);
  const usage = usageOf([response]);
  return { summary: `${response.model}: ${firstLine(response.text)}`, ...(usage ? { usage } : {}) };
}

/**
 * The LLM reasoning agent, built from its options: for each task, a prompt of its action, its
 * partial-input notes and its inputs (bounded), one request to the model, the answer written to
 * every expected output ref as Markdown, and the tokens on the result. With no model, a report
 * of the inputs that says it is not a synthesis.
 */
export function createReasoningAgent(options: unknown, env: NodeJS.ProcessEnv = process.env): AgentDefinition {
  const o = ReasoningAgentOptionsSchema.parse(options);
  const llm = agentLlm(o.llm, env);
  const system = o.systemPrompt ?? REASONING_SYSTEM_PROMPT;
  const limits = limitsOf(o);
  return defineAgent({
    name: o.name,
    capabilities: o.capabilities ?? DEFAULT_CAPABILITIES,
    handle: (dispatch, ctx) => handle(llm, system, limits, dispatch, ctx),
  });
}

/** The module's default export: `agents: [{ module: reasoningAgent, options: { llm } }]`. */
export default defineAgentFactory((options) => createReasoningAgent(options));
