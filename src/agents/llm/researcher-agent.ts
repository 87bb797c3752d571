import { pino } from 'pino';
import { z } from 'zod';
import { readJsonAnswer } from '../../planning/json-answer.js';
import type { LlmResponse } from '../../planning/llm-backend.js';
import {
  type AgentContext,
  type AgentDefinition,
  type AgentOutput,
  AgentError,
  defineAgent,
} from '../../pool/agent.js';
import { type AgentFactoryEnv, defineAgentFactory } from '../../pool/agent-factory.js';
import type { Dispatch } from '../../protocol/dispatch-output.js';
import { ServerSchema } from '../mcp/config.js';
import { McpConnections } from '../mcp/connections.js';
import { LlmAgentOptionsShape, limitsOf } from './agent-options.js';
import { type InputLimits, readInputs } from './inputs.js';
import { type AgentLlm, agentLlm, ask, usageOf } from './llm-options.js';
import { NO_MODEL, noModelReport } from './no-model-report.js';
import { describeTools, ResearchToolSchema, runToolCalls, toolPlanSchema, toolSection } from './research-tools.js';
import { firstLine, taskPrompt } from './task-prompt.js';

/** Options of the researcher module (its `agents` entry's `options`). */
export const ResearcherOptionsSchema = z
  .strictObject({
    /** The agent's name: the routing target. @default 'researcher' */
    name: z.string().min(1).default('researcher'),
    ...LlmAgentOptionsShape,
    /** MCP servers it may use, as the `servers` of an MCP config (stdio or Streamable HTTP). @default {} */
    mcp: z.strictObject({ servers: z.record(z.string(), ServerSchema) }).optional(),
    /** The tools it may call, on those servers. @default [] */
    tools: z.array(ResearchToolSchema).default([]),
    /** Tool calls the model may ask for in one task (one round). @default 3 */
    maxToolCalls: z.number().int().min(1).max(10).default(3),
  })
  .superRefine((o, ctx) => {
    o.tools.forEach((t, i) => {
      if (!o.mcp || !Object.hasOwn(o.mcp.servers, t.server))
        ctx.addIssue({
          code: 'custom',
          path: ['tools', i, 'server'],
          message: `no server \`${t.server}\` in mcp.servers`,
        });
    });
  });
export type ResearcherOptions = z.input<typeof ResearcherOptionsSchema>;

export const RESEARCHER_SYSTEM_PROMPT =
  'You are the researcher of a workflow. Write research notes for the task: what is known from the inputs and tool results, options compared with their trade-offs, open questions, and a recommendation. Cite the input or tool result each point rests on; never invent sources. Write Markdown.';

const PLAN_INSTRUCTION = (max: number, tools: string) =>
  `Before writing the notes you may call tools. Answer now only with JSON {"tool_calls": [{"server", "tool", "arguments"}]}: at most ${max} calls, or an empty list if none would help. The tools:\n${tools}`;

interface Setup {
  readonly llm: AgentLlm | undefined;
  readonly system: string;
  readonly limits: InputLimits;
  readonly o: z.infer<typeof ResearcherOptionsSchema>;
  readonly connections: McpConnections;
}

/** Round one, when tools are allowed: the model's calls, made; their results as a prompt section. */
async function toolRound(s: Setup, llm: AgentLlm, task: string, ctx: AgentContext, spent: LlmResponse[]) {
  const tools = await describeTools(s.o.tools, s.connections);
  const schema = toolPlanSchema(s.o.maxToolCalls);
  const plan = await ask(
    llm,
    {
      messages: [
        { role: 'system', content: s.system },
        { role: 'user', content: `${task}\n\n${PLAN_INSTRUCTION(s.o.maxToolCalls, tools)}` },
      ],
      json: { name: 'tool_calls', schema: z.toJSONSchema(schema) as Record<string, unknown> },
    },
    ctx.signal,
  );
  spent.push(plan);
  const calls = readJsonAnswer(plan.text, schema, 'tool calls');
  // A malformed plan is a model inference error: another attempt may well get a good one.
  if (!calls.ok) throw new AgentError('LLM_BAD_ANSWER', calls.error.message, { recoverable: true });
  ctx.progress({ message: `calling ${calls.value.tool_calls.length} tool(s)` });
  const outcomes = await runToolCalls(calls.value.tool_calls, s.o.tools, s.connections, ctx.signal, s.limits.perInput);
  return toolSection(outcomes);
}

async function handle(s: Setup, dispatch: Dispatch, ctx: AgentContext): Promise<AgentOutput> {
  const docs = await readInputs(dispatch, ctx, s.limits);
  const write = async (text: string) => {
    for (const ref of dispatch.output_refs_expected) await ctx.write(ref, text, { assetType: 'text/markdown' });
  };
  if (s.llm === undefined) {
    await write(noModelReport(dispatch, docs, s.limits));
    return { summary: `${NO_MODEL} It lists ${docs.length} input(s) for ${dispatch.task_id}; no tools were called.` };
  }
  const task = taskPrompt(dispatch, docs, s.limits);
  const spent: LlmResponse[] = [];
  const tools = s.o.tools.length > 0 ? await toolRound(s, s.llm, task, ctx, spent) : undefined;
  const notes = await ask(
    s.llm,
    {
      messages: [
        { role: 'system', content: s.system },
        { role: 'user', content: tools === undefined ? task : `${task}\n\n${tools}` },
      ],
    },
    ctx.signal,
  );
  spent.push(notes);
  await write(notes.text);
  const usage = usageOf(spent);
  return { summary: `${notes.model}: ${firstLine(notes.text)}`, ...(usage ? { usage } : {}) };
}

/**
 * The researcher, built from its options: research notes from a task's action and inputs, and,
 * when it has tools, one bounded round of MCP tool calls the model asks for (validated JSON, only
 * the allowed tools) whose results go into the prompt. Without a model, the report of its inputs.
 */
export function createResearcher(
  options: unknown,
  env?: Partial<Pick<AgentFactoryEnv, 'logger' | 'children'>>,
  vars: NodeJS.ProcessEnv = process.env,
): AgentDefinition & { readonly connections: McpConnections } {
  const o = ResearcherOptionsSchema.parse(options);
  const s: Setup = {
    llm: agentLlm(o.llm, vars),
    system: o.systemPrompt ?? RESEARCHER_SYSTEM_PROMPT,
    limits: limitsOf(o),
    o,
    connections: new McpConnections(o.mcp?.servers ?? {}, env?.logger ?? pino({ level: 'silent' }), env?.children),
  };
  const agent = defineAgent({
    name: o.name,
    capabilities: o.capabilities ?? ['CAP-RES-*'],
    handle: (dispatch, ctx) => handle(s, dispatch, ctx),
    close: () => s.connections.close(),
  });
  return Object.assign(Object.create(null) as object, agent, { connections: s.connections });
}

/** The module's default export: `agents: [{ module: researcherAgent, options: { llm, mcp, tools } }]`. */
export default defineAgentFactory((options, env) => createResearcher(options, env));
