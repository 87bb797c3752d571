import type { Logger } from 'pino';
import { z } from 'zod';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { formatIssuePath } from '../protocol/parse.js';
import { type AgentDefinition, agentsOf } from './agent.js';
import type { ChildProcesses } from './child-processes.js';

/** Options a module entry passes to its factory: a JSON object (it is structured-cloned into each worker thread). */
export type AgentModuleOptions = Record<string, unknown>;

/**
 * One entry of `createRuntime`'s `agents`: a handler module (path or URL), or a module with
 * options for the factory it default-exports ({@link defineAgentFactory}).
 */
export type AgentModule = string | URL | { readonly module: string | URL; readonly options?: AgentModuleOptions };

/** The JSON object options of a module entry, checked where the runtime is created. */
export const AgentModuleOptionsSchema = z.record(z.string(), z.json());

/** One entry of an `agents` list, checked where the runtime or pool is created. */
export const AgentModuleSchema = z.union([
  z.string().min(1),
  z.instanceof(URL),
  z.strictObject({
    module: z.union([z.string().min(1), z.instanceof(URL)]),
    options: AgentModuleOptionsSchema.optional(),
  }),
]);

/** What a factory gets beside its options. */
export interface AgentFactoryEnv {
  /** The module's URL, to name it in errors and to resolve paths relative to it. */
  readonly module: string;
  /** The worker runtime's id (`local-t1`). */
  readonly runtimeId: string;
  /** The worker thread's pino logger. */
  readonly logger: Logger;
  /**
   * Where agents register the processes they start, so that the host kills those still running
   * when the thread dies (no JavaScript runs in it then to end them); unregister each once it
   * has ended.
   */
  readonly children: ChildProcesses;
}

type Made = AgentDefinition | readonly AgentDefinition[];

/** What {@link defineAgentFactory} returns: a module's default export that builds its agents from options. */
export interface AgentFactory<O = AgentModuleOptions> {
  readonly [FACTORY]: true;
  create(options: O, env: AgentFactoryEnv): Made | Promise<Made>;
}

// Symbol.for, not a private symbol: a module may load another copy of switchyard (dist beside src).
const FACTORY: unique symbol = Symbol.for('switchyard.agentFactory') as never;

/**
 * Declares a handler module's default export as a factory: each worker thread calls it once,
 * with the options of the module's `agents` entry (`{}` without any) and its environment, and
 * hosts the agents it returns. Validate the options inside with zod: a `ZodError` thrown by
 * the factory becomes an `INVALID_INPUT` naming the module and each bad field, and
 * `createRuntime` rejects with it.
 *
 * @example
 * const Options = z.strictObject({ greeting: z.string().default('hello') });
 * export default defineAgentFactory((options) => {
 *   const { greeting } = Options.parse(options);
 *   return defineAgent({ name: 'execution_agent', capabilities: ['*'], handle: () => ({ summary: greeting }) });
 * });
 */
export function defineAgentFactory<O = AgentModuleOptions>(
  create: (options: O, env: AgentFactoryEnv) => Made | Promise<Made>,
): AgentFactory<O> {
  if (typeof create !== 'function')
    throw new SwitchyardError(
      ErrorCodes.INVALID_INPUT,
      'defineAgentFactory takes a function (options, env) => agents.',
    );
  return Object.freeze({ [FACTORY]: true as const, create });
}

function isFactory(value: unknown): value is AgentFactory<unknown> {
  return typeof value === 'object' && value !== null && (value as { [FACTORY]?: unknown })[FACTORY] === true;
}

/** A factory's failure, as an `INVALID_INPUT` that names the module (and the fields, for a ZodError). */
function factoryError(error: unknown, source: string): SwitchyardError {
  if (error instanceof z.ZodError) {
    const fields = error.issues.map((i) => `option \`${formatIssuePath(i.path)}\`: ${i.message}`);
    return new SwitchyardError(ErrorCodes.INVALID_INPUT, `${source} refused its options: ${fields.join('; ')}.`, {
      module: source,
      issues: error.issues.map((i) => ({ path: formatIssuePath(i.path), message: i.message })),
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof SwitchyardError ? error.code : ErrorCodes.INVALID_INPUT;
  return new SwitchyardError(code, `${source} could not build its agents: ${message}`, { module: source });
}

/**
 * The agents of an imported handler module: its default export as {@link agentsOf} reads it,
 * or, for a {@link defineAgentFactory} export, what the factory builds from `options`.
 */
export async function agentsOfModule(
  module: unknown,
  source: string,
  options: AgentModuleOptions | undefined,
  env: AgentFactoryEnv,
): Promise<AgentDefinition[]> {
  const exported = (module as { default?: unknown } | null)?.default;
  if (!isFactory(exported)) {
    if (options !== undefined)
      throw new SwitchyardError(
        ErrorCodes.INVALID_INPUT,
        `${source} was given options, but its default export is not defineAgentFactory(...): drop the options or export a factory.`,
        { module: source },
      );
    return agentsOf(module, source);
  }
  let made: Made;
  try {
    made = await exported.create(options ?? {}, env);
  } catch (error) {
    throw factoryError(error, source);
  }
  return agentsOf({ default: made }, source);
}
