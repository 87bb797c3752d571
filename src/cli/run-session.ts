import { writeFileSync } from 'node:fs';
import type { InspectionEvent } from 'xstate';
import type { WorkflowRun } from '../actors/workflow-run.js';
import type { WorkflowResult } from '../protocol/dispatch-output.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { z } from 'zod';
import { AgentModuleSchema } from '../pool/agent-factory.js';
import { createRuntime, FaultsSchema, type Runtime, type RuntimeOptions } from '../runtime/create-runtime.js';
import type { StateStore } from '../store/state-store.js';
import type { Bus } from '../bus/bus.js';
import type { NatsBusOptions } from '../bus/nats-bus.js';
import type { Output } from './io.js';
import { connectNats, natsFlags, natsFlagsHelp } from './nats-flags.js';
import { ExitStatus, runExitStatus } from './exit-status.js';
import { type CliLogger, sessionLogger } from './logger.js';
import { positiveInt } from './numeric-flags.js';
import { ProgressView } from './progress-view.js';
import { textTable } from './text-table.js';

/** Flags `run` and `resume` share. */
export const sessionFlags = {
  ...natsFlags,
  'wait-runtimes': { type: 'string' },
  agents: { type: 'string', multiple: true },
  threads: { type: 'string' },
  concurrency: { type: 'string' },
  prefetch: { type: 'string' },
  timeout: { type: 'string' },
  'state-out': { type: 'string' },
  json: { type: 'boolean' },
  'log-level': { type: 'string' },
  'log-file': { type: 'string' },
  db: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const sessionFlagsHelp = `  --threads <n>      worker threads (default 2; 0 with --nats: only runtimes elsewhere)
  --concurrency <n>  attempts one worker runs at once (default 1)
  --prefetch <n>     attempts one worker holds beyond those, each started as one ends
                     (default: the larger of 4 and --concurrency; 0 turns it off)
  --timeout <ms>     deadline of one attempt (default 300000)
  --state-out <file> write the final workflow_state (for graph --status)
  --json             print only the workflow_result JSON on stdout
  --log-level <l>    level of Switchyard's own logs (default warn: only what needs a look)
  --log-file <file>  append the logs to this file as pino JSON lines instead of
                     writing them on stderr among the progress lines
${natsFlagsHelp}  --wait-runtimes <n> before starting, wait (up to 30 s) until n runtimes are registered
`;

// `switchyard runtime` imports these from here.
export { nonNegativeInt, positiveInt, threadCount } from './numeric-flags.js';

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function logLevel(value: string | undefined): string {
  if (value !== undefined && !LEVELS.includes(value))
    throw new SwitchyardError(ErrorCodes.USAGE_ERROR, `--log-level must be one of ${LEVELS.join(', ')}.`);
  return value ?? 'warn';
}

/** The summary table of a finished run. */
export function summaryTable(
  result: WorkflowResult,
  summaries: Readonly<Record<string, { result_summary: string | null }>>,
): string {
  const rows = Object.entries(result.task_results).map(([id, t]) => [
    id,
    t.status,
    String(t.attempts),
    summaries[id]?.result_summary ?? '',
  ]);
  const status = `workflow ${result.status}: ${result.completed_tasks} complete, ${result.failed_tasks} failed, ${result.skipped_tasks} skipped of ${result.total_tasks}`;
  return `${textTable(['task', 'status', 'attempts', 'summary'], rows, { 3: 70 })}\n\n${status}`;
}

/**
 * How a run was started, kept with it so `switchyard resume` starts it the same way. Read
 * back leniently: a field missing (or a record from elsewhere) falls back to the defaults.
 */
export const RunnerSchema = z.looseObject({
  /** Module paths, or `{ module, options }` entries (`dispatch --mcp` records the MCP agent's so). */
  agents: z.array(AgentModuleSchema).optional(),
  threads: z.number().int().min(1).optional(),
  concurrency: z.number().int().min(1).optional(),
  prefetch: z.number().int().min(0).optional(),
  timeout_ms: z.number().int().min(1).optional(),
  faults: FaultsSchema.optional(),
  agent_limits: z.record(z.string(), z.number().int().min(1)).optional(),
});
export type RunnerInfo = z.infer<typeof RunnerSchema>;

/** The parts of a session the shared flags decide (log level, waiting, output, store, NATS). */
export function sessionBasics(
  values: { 'log-level'?: string; 'log-file'?: string; 'wait-runtimes'?: string; json?: boolean; 'state-out'?: string },
  store: StateStore | undefined,
  nats: NatsBusOptions | undefined,
): Pick<SessionSpec, 'logLevel' | 'logFile' | 'store' | 'nats' | 'waitRuntimes' | 'json' | 'stateOut'> {
  return {
    logLevel: logLevel(values['log-level']),
    logFile: values['log-file'],
    store,
    nats,
    waitRuntimes: positiveInt('wait-runtimes', values['wait-runtimes']),
    json: values.json ?? false,
    stateOut: values['state-out'],
  };
}

/** What a session needs besides the runtime options. */
export interface SessionSpec {
  readonly runtime: Omit<RuntimeOptions, 'logger' | 'store' | 'bus'>;
  /** Talk over NATS instead of in-process. */
  readonly nats?: NatsBusOptions | undefined;
  /** Wait until this many runtimes registered before starting. */
  readonly waitRuntimes?: number | undefined;
  readonly logLevel: string;
  /** Where the logs go instead of stderr. */
  readonly logFile?: string | undefined;
  readonly store: StateStore | undefined;
  readonly json: boolean;
  readonly stateOut: string | undefined;
  readonly inspector?: { inspect: (event: InspectionEvent) => void; stop(): void };
  /**
   * Starts the run on the runtime (submit or resume). Calling `watch` with the run before it
   * begins shows its first attempts too; otherwise the session watches it once `start` resolves.
   */
  start(rt: Runtime, watch: (run: WorkflowRun) => void): WorkflowRun | Promise<WorkflowRun>;
  /** Prints how the run ended, instead of the summary table and the workflow_result JSON. */
  present?(run: WorkflowRun, result: WorkflowResult): void | Promise<void>;
}

/**
 * Runs one session of `run` or `resume`: starts a runtime, starts the run, shows progress,
 * prints the summary and the workflow_result, and answers the exit status of how the run
 * ended ({@link runExitStatus}). SIGINT / SIGTERM stop it cleanly — with a store the run is
 * recorded as cancelled and can be resumed — and exit 130.
 */
export async function runSession(spec: SessionSpec, io: Output): Promise<number> {
  let bus: Bus | undefined;
  let log: CliLogger | undefined;
  let rt: Runtime;
  try {
    log = sessionLogger(spec.logLevel, io, spec.logFile);
    bus = spec.nats ? await connectNats(spec.nats) : undefined;
    rt = await createRuntime({
      ...spec.runtime,
      ...(bus ? { bus } : {}),
      ...(spec.store ? { store: spec.store } : {}),
      logger: log.logger,
    });
  } catch (error) {
    await bus?.close();
    log?.close();
    spec.inspector?.stop();
    spec.store?.close();
    throw error;
  }
  let interrupted: string | undefined;
  let run: WorkflowRun | undefined;
  const stop = (signal: NodeJS.Signals) => {
    interrupted = signal;
    run?.cancel(`${signal} received`);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    if (spec.waitRuntimes !== undefined) await rt.waitForRuntimes(spec.waitRuntimes);
    let shown: ProgressView | undefined;
    const watch = (r: WorkflowRun): ProgressView => {
      if (shown) return shown;
      const view = new ProgressView({ write: io.err, tty: io.errIsTTY ?? false }, () => r.state());
      r.on('dispatch', (m) => view.dispatch(m));
      r.on('result', (m) => view.result(m));
      r.on('progress', (p) => view.progress(p));
      return (shown = view);
    };
    run = await spec.start(rt, watch);
    // A signal that came while the plan was being built stops the run it became.
    if (interrupted !== undefined) run.cancel(`${interrupted} received`);
    const view = watch(run);
    let result: WorkflowResult;
    try {
      result = await run.result;
    } catch (error) {
      if (interrupted === undefined) throw error;
      view.finish();
      const hint = spec.store ? ` Resume it with \`switchyard resume ${run.id} --db ${spec.store.location}\`.` : '';
      io.err(`switchyard: run ${run.id} stopped by ${interrupted}.${hint}\n`);
      return ExitStatus.INTERRUPTED;
    }
    view.finish();
    const state = run.state();
    if (spec.stateOut !== undefined) writeFileSync(spec.stateOut, `${JSON.stringify(state, null, 2)}\n`);
    if (spec.present) await spec.present(run, result);
    else {
      if (!spec.json) io.out(`\n${summaryTable(result, state.task_states)}\n\n`);
      io.out(`${JSON.stringify(result, null, 2)}\n`);
    }
    return runExitStatus(result);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await rt.close({ cancel: true });
    await bus?.close();
    spec.inspector?.stop();
    spec.store?.close();
    log.close();
  }
}
