import { systemScheduler } from '../../core/scheduler.js';
import { resumable } from '../../journal/recorded-run.js';
import type { WorkflowResult } from '../../protocol/dispatch-output.js';
import { ErrorCodes, SwitchyardError } from '../../protocol/errors.js';
import type { ExecutionResult } from '../../protocol/execution-result.js';
import { trackResumedExecution } from '../../runtime/resumed-execution.js';
import type { RunRecord, StateStore } from '../../store/state-store.js';
import { presentExecution } from '../execution-output.js';
import { recordedDispatch } from '../recorded-dispatch.js';
import { parseCommandArgs, positionals } from '../args.js';
import { type CliInspector, inspectorFlags, inspectorFlagsHelp, inspectorFromFlags } from '../inspector-flags.js';
import type { Output } from '../io.js';
import { dbPath, openStore } from '../open-store.js';
import { natsOptions } from '../nats-flags.js';
import {
  logLevel,
  type RunnerInfo,
  RunnerSchema,
  runSession,
  sessionBasics,
  type SessionSpec,
  sessionFlags,
  sessionFlagsHelp,
} from '../run-session.js';
import { nonNegativeInt, positiveInt, threadCount } from '../numeric-flags.js';

export const resumeHelp = `Usage: switchyard resume <run-id> [--db <file>] [options]

Continues a run recorded with \`switchyard run --db\` or \`switchyard dispatch --db\` after
its process stopped (a crash, a kill, Ctrl-C). Tasks recorded complete are not run again;
attempts that were in flight are dispatched again under the same attempt numbers — so a
handler may run twice for one attempt (at-least-once work), while each outcome is recorded
exactly once. Handler modules, threads, concurrency, prefetch and timeout default to those
the run was started with. A run \`dispatch\` started is reported as dispatch reports it
(the Markdown report, or with --json the whole ExecutionResult), the part before the stop
read from the run's journal. Exit status as for \`switchyard run\`: 0 complete, 3 partial,
4 failed, 2 unusable input, 130 stopped again.

  --db <file>        the state database (default $SWITCHYARD_DB, else ./switchyard.db)
  --agents <module>  handler module(s) to host instead of the recorded ones (repeatable)
  --report <file>    for a run \`dispatch\` started: also write the Markdown report here
${sessionFlagsHelp}${inspectorFlagsHelp}`;

/**
 * For a run `switchyard dispatch` started: a start that follows the resumed run from the part
 * its journal holds, and a present that prints its ExecutionResult as dispatch does. Nothing
 * for any other run (it resumes as `run`'s do); `--report` for one is a `USAGE_ERROR`.
 */
function dispatchReporting(
  record: RunRecord,
  store: StateStore,
  values: { json?: boolean | undefined; report?: string | undefined },
  io: Output,
): Pick<SessionSpec, 'present'> & { start?: SessionSpec['start'] } {
  const recorded = recordedDispatch(record);
  if (recorded === undefined) {
    if (values.report !== undefined)
      throw new SwitchyardError(
        ErrorCodes.USAGE_ERROR,
        `Run ${record.run_id} was not started by \`switchyard dispatch\`, so it has no execution report: drop --report.`,
        { run_id: record.run_id },
      );
    return {};
  }
  // Read before the runtime appends to the log: the part of the run before this resume.
  const steps = store.stepsAfter(record.run_id, 0);
  let finish: ((result: WorkflowResult) => ExecutionResult) | undefined;
  return {
    start(rt, watch) {
      const run = rt.resume(record.run_id);
      finish = trackResumedExecution(run, {
        ...recorded,
        steps,
        createdAt: record.created_at,
        scheduler: systemScheduler,
      });
      watch(run);
      return run;
    },
    async present(_run, result) {
      if (finish) await presentExecution(finish(result), values, io);
    },
  };
}

/** `switchyard resume`. */
export async function resumeCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals: given } = parseCommandArgs('resume', argv, {
    ...sessionFlags,
    ...inspectorFlags,
    report: { type: 'string' },
  });
  if (values.help) {
    io.out(resumeHelp);
    return 0;
  }
  const [runId] = positionals('resume', given, ['run-id']);
  logLevel(values['log-level']); // checked before anything starts
  const nats = natsOptions(values, 'switchyard-resume');
  const threads = threadCount(values.threads, nats !== undefined);
  const concurrency = positiveInt('concurrency', values.concurrency);
  const prefetch = nonNegativeInt('prefetch', values.prefetch, 10_000);
  const timeout = positiveInt('timeout', values.timeout);
  const store = await openStore(dbPath(values.db), 'existing');
  let runner: RunnerInfo;
  let dispatched: SessionSpec['start'] | undefined;
  let present: SessionSpec['present'];
  try {
    const { record } = resumable(store, runId);
    ({ start: dispatched, present } = dispatchReporting(record, store, values, io));
    const parsed = RunnerSchema.safeParse(record.runner ?? {});
    runner = parsed.success ? parsed.data : {};
    const agents = values.agents && values.agents.length > 0 ? values.agents : runner.agents;
    if (!agents || agents.length === 0)
      throw new SwitchyardError(
        ErrorCodes.USAGE_ERROR,
        `Run ${runId} has no recorded handler modules; give them with --agents <module>.`,
        { run_id: runId },
      );
    runner = { ...runner, agents };
  } catch (error) {
    store.close();
    throw error;
  }
  const timeoutMs = timeout ?? runner.timeout_ms;
  const prefetchKept = prefetch ?? runner.prefetch;
  let inspector: CliInspector | undefined;
  try {
    inspector = await inspectorFromFlags(values, io);
  } catch (error) {
    store.close();
    throw error;
  }
  return runSession(
    {
      runtime: {
        ...(inspector ? { inspect: inspector.inspect } : {}),
        agents: runner.agents ?? [],
        ...(values['subject-prefix'] ? { subjectPrefix: values['subject-prefix'] } : {}),
        pool: {
          maxThreads: threads ?? runner.threads ?? 2,
          concurrentTasksPerWorker: concurrency ?? runner.concurrency ?? 1,
          ...(prefetchKept === undefined ? {} : { prefetch: prefetchKept }),
        },
        ...(timeoutMs === undefined ? {} : { taskTimeoutMs: timeoutMs }),
        ...(runner.faults ? { faults: runner.faults } : {}),
        ...(runner.agent_limits ? { agentLimits: runner.agent_limits } : {}),
      },
      ...sessionBasics(values, store, nats),
      ...(inspector ? { inspector } : {}),
      start: dispatched ?? ((rt) => rt.resume(runId)),
      ...(present ? { present } : {}),
    },
    io,
  );
}
