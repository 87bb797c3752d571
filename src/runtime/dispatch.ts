import { z } from 'zod';
import type { WorkflowRun } from '../actors/workflow-run.js';
import { systemScheduler } from '../core/scheduler.js';
import { type DecomposeOptions, type Decomposition, decompose } from '../planning/decompose.js';
import type { LlmBackend } from '../planning/llm-backend.js';
import { readSpecification } from '../planning/read-spec.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { parseWith } from '../protocol/parse.js';
import type { SpecificationInput } from '../protocol/specification.js';
import type { ExecutionResult } from '../protocol/execution-result.js';
import { createRuntime, type Runtime, type RuntimeOptions } from './create-runtime.js';
import { trackExecution } from './execution-tracker.js';

/**
 * Options of {@link dispatch}: the runtime's own ({@link RuntimeOptions}: `agents`, `routes`,
 * `store`, `artifacts`, `pool`, `maxAttempts`, …) for the runtime it creates, or `runtime` to
 * run on one you have; and how to plan and submit.
 */
export interface DispatchSpecOptions extends Partial<RuntimeOptions> {
  /** Plan with this model (validated, repaired, falling back to the pattern rules). @default none: the pattern rules */
  readonly llm?: LlmBackend;
  /** The rest of the decomposer's options (`maxRepairs`, `resolveCycles`, `timestamp`, `onNotice`, …). */
  readonly planning?: Omit<DecomposeOptions, 'llm'>;
  /** Run on this runtime (left open) instead of creating one from the runtime options (then given none of them). */
  readonly runtime?: Runtime;
  /** The run's id. @default the runtime's */
  readonly runId?: string;
  /** Refuse a plan whose tasks no registered runtime serves (`CAPABILITY_NOT_AVAILABLE`). @default true */
  readonly checkCapabilities?: boolean;
  /** Called with the run as soon as it is submitted: to watch its `dispatch`, `result`, `progress` events. */
  readonly onRun?: (run: WorkflowRun) => void;
}

const isFunction = (v: unknown) => typeof v === 'function';
const hasMethods =
  (...names: string[]) =>
  (v: unknown) =>
    typeof v === 'object' && v !== null && names.every((n) => isFunction((v as Record<string, unknown>)[n]));

/** dispatch's own options; the runtime's are checked by createRuntime. */
const OwnOptionsSchema = z.object({
  llm: z.custom<LlmBackend>(hasMethods('complete'), 'expected an LlmBackend (openAiCompatible(...))').optional(),
  planning: z.record(z.string(), z.unknown()).optional(),
  runtime: z.custom<Runtime>(hasMethods('submit', 'close'), 'expected a Runtime (from createRuntime)').optional(),
  runId: z.string().min(1).optional(),
  checkCapabilities: z.boolean().optional(),
  onRun: z.custom<(run: WorkflowRun) => void>(isFunction, 'expected a function').optional(),
});

const OWN_KEYS = Object.keys(OwnOptionsSchema.shape) as ReadonlyArray<keyof DispatchSpecOptions>;

/** The runtime options among `options`: everything that is not dispatch's own. */
function runtimeOptions(options: DispatchSpecOptions): Partial<RuntimeOptions> {
  const rest: Record<string, unknown> = { ...options };
  for (const key of OWN_KEYS) delete rest[key];
  return rest as Partial<RuntimeOptions>;
}

/** The specification planned: text (Markdown or JSON) is read first; a bad one is `INVALID_INPUT`, a cycle `PROCESSING_ERROR`. */
export async function planSpecification(
  spec: unknown,
  options: Pick<DispatchSpecOptions, 'llm' | 'planning'>,
): Promise<Decomposition> {
  let value = spec;
  if (typeof spec === 'string') {
    const read = readSpecification(spec);
    if (!read.ok) throw read.error;
    value = read.value;
  }
  const planned = await decompose(value, { ...options.planning, ...(options.llm ? { llm: options.llm } : {}) });
  if (!planned.ok) throw planned.error;
  return planned.value;
}

/**
 * Seed 002's `dispatch(specification)`: the whole pipeline in one call. Decomposes the
 * specification (the pattern rules, or `llm`), resolves and validates the plan — including
 * that every task has an agent to run it, as `submit` checks — runs it on a runtime created
 * from the options (closed at the end) or on `runtime`, and aggregates the run into an
 * {@link ExecutionResult}: status, success rate, per-task attempts and durations, failures,
 * artifacts, metrics per agent type (tokens included) and a Markdown report.
 *
 * Rejects with a coded `SwitchyardError` for a bad specification or options, a plan that does
 * not validate, or tasks nobody serves; a run that ends `partial` or `failed` resolves.
 *
 * @example
 * const result = await dispatch(readFileSync('examples/specs/todo-cli.md', 'utf8'), {
 *   agents: [new URL('./examples/specs/agents.mjs', import.meta.url)],
 * });
 * console.log(result.status, `${result.successRate}%`);
 * for (const artifact of result.finalArtifacts) console.log(artifact.refId, artifact.uri);
 */
export async function dispatch(
  spec: string | SpecificationInput,
  options: DispatchSpecOptions = {},
): Promise<ExecutionResult> {
  const checked = parseWith(OwnOptionsSchema, options, 'dispatch options');
  if (!checked.ok) throw checked.error;
  const own = runtimeOptions(options);
  if (options.runtime && Object.keys(own).length > 0) {
    throw new SwitchyardError(
      ErrorCodes.INVALID_INPUT,
      `dispatch was given a runtime and runtime options (${Object.keys(own).join(', ')}): give those options to createRuntime, or drop \`runtime\` and let dispatch create one.`,
      { options: Object.keys(own) },
    );
  }
  const planned = await planSpecification(spec, options);
  const rt = options.runtime ?? (await createRuntime({ agents: [], ...own }));
  try {
    const run = rt.submit(planned.plan, {
      ...(options.runId === undefined ? {} : { runId: options.runId }),
      checkCapabilities: options.checkCapabilities !== false,
    });
    const finish = trackExecution(run, {
      plan: planned.plan,
      planning: { ...planned.report },
      scheduler: own.scheduler ?? systemScheduler,
    });
    options.onRun?.(run);
    return finish(await run.result);
  } finally {
    if (!options.runtime) await rt.close({ cancel: true });
  }
}
