import { resolve } from 'node:path';
import type { LlmOptions } from '../agents/llm/llm-options.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import type { HostedExtras } from './hosting.js';
import { positiveInt } from './numeric-flags.js';

/** The flags of `dispatch` that configure the built-in agents (with `--llm`, `--model`, `--mcp`). */
export const builtInFlags = {
  language: { type: 'string' },
  workspace: { type: 'string' },
  'test-runner': { type: 'string' },
} as const;

export const builtInFlagsHelp = `  --language <lang>  the language the code writer writes (default typescript)
  --workspace <dir>  where the code writer puts each run's files (default .switchyard/workspace)
  --test-runner <r>  node (default), npm or pytest: how the tester runs a task's suite
`;

/** The variable the agents' worker threads read the key from, when `--api-key` gives one. */
const KEY_VARIABLE = 'SWITCHYARD_LLM_API_KEY';

interface Flags {
  llm?: string;
  model?: string;
  'api-key'?: string;
  'llm-timeout'?: string;
  mcp?: string;
  language?: string;
  workspace?: string;
  'test-runner'?: string;
}

/**
 * The model the agents ask, from `--llm`: its options are recorded with the run, so the key never
 * is — `--api-key` is put in the environment the worker threads inherit, and named there. Without
 * `--llm` the agents read the environment themselves, as planning does.
 */
function agentLlmOptions(values: Flags, env: NodeJS.ProcessEnv): LlmOptions | undefined {
  if (values.llm === undefined) return undefined;
  const model = values.model ?? env.SWITCHYARD_LLM_MODEL;
  if (model === undefined || model.trim() === '')
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      '--llm names an endpoint, but no model: add --model <name> or set SWITCHYARD_LLM_MODEL.',
      { flag: 'model' },
    );
  if (values['api-key'] !== undefined) env[KEY_VARIABLE] = values['api-key'];
  const timeoutMs = positiveInt('llm-timeout', values['llm-timeout']);
  const keyEnv = [KEY_VARIABLE, 'OPENAI_API_KEY'].find((name) => (env[name] ?? '').trim() !== '');
  return {
    baseURL: values.llm,
    model,
    ...(keyEnv === undefined ? {} : { apiKeyEnv: keyEnv }),
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  };
}

const RUNNERS = ['node', 'npm', 'pytest'] as const;

/**
 * The built-in agents and their routing table (`builtInAgents` of `switchyard/agents`), as the
 * flags configure them; the MCP config is checked here, before any worker starts.
 */
export async function builtInFromFlags(values: Flags, env: NodeJS.ProcessEnv = process.env): Promise<HostedExtras> {
  const runner = values['test-runner'];
  if (runner !== undefined && !(RUNNERS as readonly string[]).includes(runner))
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      `--test-runner must be one of ${RUNNERS.join(', ')}; got ${JSON.stringify(runner)}.`,
      { flag: 'test-runner' },
    );
  const llm = agentLlmOptions(values, env);
  const { builtInAgents } = await import('../agents/built-in.js');
  return builtInAgents(
    {
      ...(llm === undefined ? {} : { llm }),
      ...(values.mcp === undefined ? {} : { mcp: resolve(values.mcp) }),
      ...(values.language === undefined ? {} : { language: values.language }),
      ...(values.workspace === undefined ? {} : { workspace: resolve(values.workspace) }),
      ...(runner === undefined ? {} : { tester: { runner: runner as (typeof RUNNERS)[number] } }),
    },
    env,
  );
}

/** The MCP agent's `agents` entry for `--mcp`: its config checked here, before any worker starts. */
async function mcpEntry(path: string): Promise<{ module: string; options: { config: string } }> {
  const config = resolve(path);
  const [{ loadMcpConfig }, { mcpAgent }] = await Promise.all([
    import('../agents/mcp/config.js'),
    import('../agents/modules.js'),
  ]);
  loadMcpConfig(config); // INVALID_INPUT naming the file and field
  return { module: mcpAgent.href, options: { config } };
}

/**
 * What a command hosts beside its `--agents` modules: with them, the MCP agent after them
 * (`--mcp`); without them, the built-in agents and their routes. Built-in agent flags beside
 * `--agents` are a `USAGE_ERROR`.
 */
export async function hostedAgents(
  values: Record<string, unknown> & { agents?: string[]; mcp?: string },
): Promise<HostedExtras> {
  if ((values.agents ?? []).length === 0) return builtInFromFlags(values);
  const ignored = Object.keys(builtInFlags).filter((flag) => values[flag] !== undefined);
  if (ignored.length > 0)
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      `--${ignored[0]} configures the built-in agents, which --agents replaces: drop one of them.`,
      { flag: ignored[0] },
    );
  return values.mcp === undefined ? {} : { agents: [await mcpEntry(values.mcp)] };
}
