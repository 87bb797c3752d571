import { ErrorCodes, SwitchyardError } from '../../protocol/errors.js';
import { resumable } from '../../journal/recorded-run.js';
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
  sessionFlags,
  sessionFlagsHelp,
} from '../run-session.js';
import { nonNegativeInt, positiveInt, threadCount } from '../numeric-flags.js';

export const resumeHelp = `Usage: switchyard resume <run-id> [--db <file>] [options]

Continues a run recorded with \`switchyard run --db\` after its process stopped (a crash,
a kill, Ctrl-C). Tasks recorded complete are not run again; attempts that were in flight
are dispatched again under the same attempt numbers — so a handler may run twice for one
attempt (at-least-once work), while each outcome is recorded exactly once. Handler modules,
threads, concurrency, prefetch and timeout default to those the run was started with.
Exit status as for \`switchyard run\`: 0 complete, 3 partial, 4 failed, 2 unusable
input, 130 stopped again.

  --db <file>        the state database (default $SWITCHYARD_DB, else ./switchyard.db)
  --agents <module>  handler module(s) to host instead of the recorded ones (repeatable)
${sessionFlagsHelp}${inspectorFlagsHelp}`;

/** `switchyard resume`. */
export async function resumeCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals: given } = parseCommandArgs('resume', argv, { ...sessionFlags, ...inspectorFlags });
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
  try {
    const { record } = resumable(store, runId);
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
      start: (rt) => rt.resume(runId),
    },
    io,
  );
}
