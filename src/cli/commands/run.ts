import type { WorkflowRun } from '../../actors/workflow-run.js';
import type { StateStore } from '../../store/state-store.js';
import { parseCommandArgs, positionals } from '../args.js';
import { dispatchOptionsHelp } from '../dispatch-flags.js';
import { agentLimitFlagHelp } from '../agent-limit-flags.js';
import { failFlagHelp } from '../fail-flags.js';
import { hostingFromFlags } from '../hosting.js';
import { inspectorFlags, inspectorFlagsHelp } from '../inspector-flags.js';
import type { Output } from '../io.js';
import { readPlanFile } from '../load-graph.js';
import { type RunnerInfo, runSession, type SessionSpec, sessionFlags, sessionFlagsHelp } from '../run-session.js';

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

/**
 * Submits the plan as the run's start; with a store, says how to continue the run should this
 * process stop. With `follow`, the plan is submitted at once (not in slices) and `follow` and
 * the progress view get the run before it begins, so they see every attempt: a run begins on
 * the microtask after `submit`, which is before an `await` of `submitAsync` resumes. `dispatch`
 * follows (its plans, made from a specification, are small); `run` does not.
 */
export function submitPlan(
  plan: unknown,
  submit: { runId: string | undefined; allowUnserved: boolean; follow?: (run: WorkflowRun) => void },
  runner: RunnerInfo,
  store: StateStore | undefined,
  io: Output,
): SessionSpec['start'] {
  const { runId, allowUnserved, follow } = submit;
  return async (rt, watch) => {
    const options = {
      ...(runId === undefined ? {} : { runId }),
      runner: { ...runner },
      checkCapabilities: !allowUnserved,
    };
    // Built in slices: a large plan does not hold up heartbeats, a progress bar or Ctrl-C.
    const run = follow ? rt.submit(plan, options) : await rt.submitAsync(plan, options);
    if (follow) {
      follow(run);
      watch(run);
    }
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
  const plan = readPlanFile(path);
  const { session, runner, store } = await hostingFromFlags('run', values, plan, io);
  return runSession(
    {
      ...session,
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
