import { resolve } from 'node:path';
import { readPlan } from '../../graph/plan-input.js';
import type { StateStore } from '../../store/state-store.js';
import { ErrorCodes, SwitchyardError } from '../../protocol/errors.js';
import { agentLimitFlagHelp, parseAgentLimitFlags } from '../agent-limit-flags.js';
import { parseCommandArgs, positionals } from '../args.js';
import { dispatchOptions, dispatchOptionsHelp } from '../dispatch-flags.js';
import { type FailSpec, failFlagHelp, parseFailFlags } from '../fail-flags.js';
import { type CliInspector, inspectorFlags, inspectorFlagsHelp, inspectorFromFlags } from '../inspector-flags.js';
import type { Output } from '../io.js';
import { readPlanFile } from '../load-graph.js';
import { openStore } from '../open-store.js';
import { natsOptions } from '../nats-flags.js';
import {
  logLevel,
  type RunnerInfo,
  runSession,
  type SessionSpec,
  sessionBasics,
  sessionFlags,
  sessionFlagsHelp,
} from '../run-session.js';
import { nonNegativeInt, positiveInt, threadCount } from '../numeric-flags.js';

export const runHelp = `Usage: switchyard run <plan.json|-> --agents <module> [options]

Runs a plan for real: agent handler modules are loaded into worker threads, register
with the dispatcher, and the supervisor drives the plan to its end. Progress goes to
stderr (a bar on a terminal, plain lines otherwise); the summary table and the
workflow_result JSON go to stdout. Exit status 0 when the workflow ended complete,
3 partial, 4 failed; 2 for unusable input; 130 stopped by Ctrl-C or SIGTERM.

  --agents <module>  a handler module exporting defineAgent(...) or a list (repeatable)
${dispatchOptionsHelp
  .split('\n')
  .filter((l) => l.startsWith('  --policy') || l.startsWith('  --max-attempts'))
  .join('\n')}
${agentLimitFlagHelp}${failFlagHelp}                     (only in this process's runtimes; a runtime elsewhere takes
                     its own --fail: see \`switchyard runtime --help\`)
${sessionFlagsHelp}  --db <file>        record the run, step by step, in this SQLite file (or $SWITCHYARD_DB)
                     so \`switchyard resume\` can continue it after a crash
  --run-id <id>      the run's id (default: a new unique one)
  --allow-unserved   start even when no runtime registered now serves some tasks (they fail
                     with CAPABILITY_NOT_AVAILABLE when dispatched); without it such a plan
                     is refused at once, naming those tasks
${inspectorFlagsHelp}`;

/** `--fail` may name only tasks the plan has. (A plan that does not read is refused later, with the graph's own error.) */
function checkFaultsInPlan(plan: unknown, faults: Readonly<Record<string, FailSpec>>): void {
  const input = readPlan(plan);
  const unknown = input.ok ? Object.keys(faults).filter((id) => !input.value.tasks.some((t) => t.id === id)) : [];
  if (unknown.length > 0)
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      `--fail names ${unknown.join(', ')}, which the plan does not have.`,
      { task_ids: unknown },
    );
}

/** Handlers run here (`--agents`), or with `--threads 0` only in runtimes elsewhere, which take their own `--fail`. */
function checkHosting(
  threads: number,
  agents: readonly string[] | undefined,
  faults: Readonly<Record<string, FailSpec>>,
): void {
  if (threads > 0 && (!agents || agents.length === 0))
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      '`switchyard run` needs --agents <module>: the handler module(s) to host (or --nats with --threads 0, when every runtime runs elsewhere). Run `switchyard run --help` for usage.',
    );
  if (threads === 0 && Object.keys(faults).length > 0) {
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      `--fail makes this process's own runtimes fail ${Object.keys(faults).join(', ')}, and with --threads 0 it has none. Give --fail to \`switchyard runtime\`, where the handlers run.`,
      { flag: 'fail' },
    );
  }
}

/** The inspector `--inspect` asks for; if it cannot start, the run never will, so the store opened for it is closed. */
async function inspectorOrCloseStore(
  values: Parameters<typeof inspectorFromFlags>[0],
  io: Output,
  store: StateStore | undefined,
): Promise<CliInspector | undefined> {
  try {
    return await inspectorFromFlags(values, io);
  } catch (error) {
    store?.close();
    throw error;
  }
}

/** Submits the plan as the run's start; with a store, says how to continue the run should this process stop. */
function submitPlan(
  plan: unknown,
  submit: { runId: string | undefined; allowUnserved: boolean },
  runner: RunnerInfo,
  store: StateStore | undefined,
  io: Output,
): SessionSpec['start'] {
  const { runId, allowUnserved } = submit;
  return async (rt) => {
    // Built in slices: a large plan does not hold up heartbeats, a progress bar or Ctrl-C.
    const run = await rt.submitAsync(plan, {
      ...(runId === undefined ? {} : { runId }),
      runner: { ...runner },
      checkCapabilities: !allowUnserved,
    });
    if (store)
      io.err(
        `Run ${run.id} is recorded in ${store.location}; if it stops, \`switchyard resume ${run.id} --db ${store.location}\` continues it.\n`,
      );
    return run;
  };
}

/** `switchyard run`. */
export async function runCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals: given } = parseCommandArgs('run', argv, {
    ...sessionFlags,
    policy: { type: 'string' },
    'max-attempts': { type: 'string' },
    fail: { type: 'string', multiple: true },
    'agent-limit': { type: 'string', multiple: true },
    'run-id': { type: 'string' },
    'allow-unserved': { type: 'boolean' },
    ...inspectorFlags,
  });
  if (values.help) {
    io.out(runHelp);
    return 0;
  }
  const [path] = positionals('run', given, ['plan.json']);
  const { policy, maxAttempts } = dispatchOptions('run', {
    policy: values.policy,
    'max-attempts': values['max-attempts'],
  });
  logLevel(values['log-level']); // checked before anything starts
  const plan = readPlanFile(path);
  const faults = parseFailFlags(values.fail ?? []);
  checkFaultsInPlan(plan, faults);
  const agentLimits = parseAgentLimitFlags(values['agent-limit'] ?? []);
  const limited = Object.keys(agentLimits).length > 0;
  const nats = natsOptions(values, 'switchyard-run');
  const threads = threadCount(values.threads, nats !== undefined) ?? 2;
  checkHosting(threads, values.agents, faults);
  const concurrency = positiveInt('concurrency', values.concurrency) ?? 1;
  const prefetch = nonNegativeInt('prefetch', values.prefetch, 10_000);
  const timeout = positiveInt('timeout', values.timeout);
  const agents = (values.agents ?? []).map((a) => (a.startsWith('file:') ? a : resolve(a)));
  const dbFile = values.db ?? process.env.SWITCHYARD_DB;
  const store = dbFile === undefined ? undefined : await openStore(dbFile, 'create');
  const inspector = await inspectorOrCloseStore(values, io, store);
  const runner: RunnerInfo = {
    agents,
    threads,
    concurrency,
    ...(prefetch === undefined ? {} : { prefetch }),
    ...(timeout === undefined ? {} : { timeout_ms: timeout }),
    ...(Object.keys(faults).length > 0 ? { faults } : {}),
    ...(limited ? { agent_limits: agentLimits } : {}),
  };
  return runSession(
    {
      runtime: {
        ...(inspector ? { inspect: inspector.inspect } : {}),
        agents,
        pool: {
          maxThreads: threads,
          concurrentTasksPerWorker: concurrency,
          ...(prefetch === undefined ? {} : { prefetch }),
        },
        ...(values['subject-prefix'] ? { subjectPrefix: values['subject-prefix'] } : {}),
        ...(policy === undefined ? {} : { policy }),
        ...(maxAttempts === undefined ? {} : { maxAttempts }),
        ...(timeout === undefined ? {} : { taskTimeoutMs: timeout }),
        faults,
        ...(limited ? { agentLimits } : {}),
      },
      ...sessionBasics(values, store, nats),
      ...(inspector ? { inspector } : {}),
      start: submitPlan(
        plan,
        { runId: values['run-id'], allowUnserved: values['allow-unserved'] === true },
        runner,
        store,
        io,
      ),
    },
    io,
  );
}
