import { resolve } from 'node:path';
import { z } from 'zod';
import { llmBackendFromEnv } from '../planning/llm-config.js';
import {
  CAPABILITY_PREFIX,
  TASK_TYPE_AGENT,
  TASK_TYPE_ROUTES,
  TASK_TYPES,
  type TaskType,
} from '../planning/task-types.js';
import type { AgentModuleOptionsSchema, AgentModuleSchema } from '../pool/agent-factory.js';
import { DEFAULT_ROUTES, type RouteRule } from '../protocol/routes.js';
import { parseWith } from '../protocol/parse.js';
import { type LoadedConfig, loadMcpConfig } from './mcp/config.js';
import { CodeWriterOptionsSchema } from './llm/code-writer-agent.js';
import { LlmOptionsSchema } from './llm/llm-options.js';
import { codeWriterAgent, mcpAgent, reasoningAgent, researcherAgent, testerAgent } from './modules.js';
import { TesterAgentOptionsSchema } from './tester/tester-options.js';

/** Options of {@link builtInAgents}. */
export const BuiltInAgentsOptionsSchema = z.strictObject({
  /** The model of the researcher, reasoning agent and code writer. @default the environment's (`SWITCHYARD_LLM_BASE_URL`, …), else none */
  llm: LlmOptionsSchema.optional(),
  /** The MCP execution agent's config (an mcp.json path or the object): hosted as `execution_agent` when given. */
  mcp: z.union([z.string().min(1), z.record(z.string(), z.json())]).optional(),
  /** The language the code writer writes. @default 'typescript' */
  language: CodeWriterOptionsSchema.shape.language.unwrap().optional(),
  /** The directory of the code writer's run workspaces. @default '.switchyard/workspace' */
  workspace: z.string().min(1).optional(),
  /** The tester's options (runner, args, command, env, timeoutMs, requireTests, …); it serves `CAP-TEST-*` and `CAP-INT-*`. */
  tester: TesterAgentOptionsSchema.omit({ name: true, capabilities: true }).partial().optional(),
});
export type BuiltInAgentsOptions = z.input<typeof BuiltInAgentsOptionsSchema>;

/** What {@link builtInAgents} gives: spread it into `createRuntime` or `dispatch` options. */
export interface BuiltInAgents {
  readonly agents: z.infer<typeof AgentModuleSchema>[];
  readonly routes: RouteRule[];
}

/** A module's options: every value here came through a schema of JSON values (undefined ones are left out when copied to a worker). */
type JsonOptions = z.infer<typeof AgentModuleOptionsSchema>;

/** The task types whose specialized agent has nothing to work on without a model: the code writer's, and the tests of its code. */
const NEED_WRITTEN_CODE: readonly TaskType[] = ['code_writing', 'documentation', 'testing', 'integration'];

/** The mapping of `config` that covers every capability of a task type (a prefix pattern at or above it). */
function mcpCovering(config: LoadedConfig, type: TaskType) {
  const prefix = CAPABILITY_PREFIX[type];
  return config.mappings.find((m) => m.pattern.endsWith('*') && prefix.startsWith(m.pattern.slice(0, -1)));
}

/**
 * The routing table of the set: each task type to its specialized agent (as
 * `TASK_TYPE_ROUTES`); but with no model, the code, documentation, test and integration tasks
 * that the MCP config covers go to the MCP agent, since the code writer writes nothing without
 * a model and the tester would have no code to run. Seed 003's table follows for other ids.
 */
function routesFor(model: boolean, mcp: LoadedConfig | undefined): RouteRule[] {
  if (model || mcp === undefined) return [...TASK_TYPE_ROUTES];
  const rules = TASK_TYPES.map((type): RouteRule => {
    const mapping = NEED_WRITTEN_CODE.includes(type) ? mcpCovering(mcp, type) : undefined;
    const what = `{capability} is a ${type.replace('_', ' ')} task`;
    return mapping
      ? {
          prefix: CAPABILITY_PREFIX[type],
          agent: 'execution_agent',
          reason: `${what}; with no model configured, the MCP tool ${mapping.tool} on ${mapping.server} carries it out`,
        }
      : { prefix: CAPABILITY_PREFIX[type], agent: TASK_TYPE_AGENT[type], reason: what };
  });
  return [...rules, ...DEFAULT_ROUTES];
}

/**
 * Switchyard's built-in agents as one set, with the routing table that gives each of the
 * decomposer's task types to them: research to the researcher, design, review and synthesis
 * to the reasoning agent, code and documentation to the code writer, tests and integration to
 * the tester (which runs the suite in the workspace the code writer's manifest names), and
 * with `mcp` the MCP execution agent for seed 003's `CAP-*` ids.
 *
 * With no model (neither `llm` nor the environment names one) nothing pretends to be one: the
 * researcher and reasoning agent write reports of their inputs that say they are not a
 * synthesis; the code, documentation, test and integration tasks that `mcp` maps go to its
 * tools; the others go to the code writer, which fails them saying it needs a model. A bad
 * option or MCP config is an `INVALID_INPUT` naming it.
 *
 * @example
 * const result = await dispatch(spec, { ...builtInAgents({ mcp: 'examples/specs/mcp.json' }) });
 */
export function builtInAgents(options: BuiltInAgentsOptions = {}, env: NodeJS.ProcessEnv = process.env): BuiltInAgents {
  const parsed = parseWith(BuiltInAgentsOptionsSchema, options, 'builtInAgents options');
  if (!parsed.ok) throw parsed.error;
  const o = parsed.value;
  const fromEnv = o.llm === undefined ? llmBackendFromEnv(env) : undefined;
  if (fromEnv && !fromEnv.ok) throw fromEnv.error;
  const model = o.llm !== undefined || fromEnv?.value !== undefined;
  const config = o.mcp === undefined ? undefined : typeof o.mcp === 'string' ? resolve(o.mcp) : o.mcp;
  const mcp = config === undefined ? undefined : loadMcpConfig(config);
  const llm = o.llm === undefined ? {} : { llm: o.llm };
  const writer = {
    ...llm,
    ...(o.language === undefined ? {} : { language: o.language }),
    ...(o.workspace === undefined ? {} : { workspace: o.workspace }),
  };
  const agents: BuiltInAgents['agents'] = [
    { module: researcherAgent, options: llm as JsonOptions },
    { module: reasoningAgent, options: llm as JsonOptions },
    { module: codeWriterAgent, options: writer as JsonOptions },
    { module: testerAgent, options: { ...o.tester, capabilities: ['CAP-TEST-*', 'CAP-INT-*'] } as JsonOptions },
    ...(config === undefined ? [] : [{ module: mcpAgent, options: { config } }]),
  ];
  return { agents, routes: routesFor(model, mcp) };
}
