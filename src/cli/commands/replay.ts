import { runRecord } from '../../journal/recorded-run.js';
import { rebuild } from '../../journal/replay.js';
import { runStateAt } from '../../journal/run-view.js';
import { TASK_STATUSES } from '../../machines/task-table.js';
import type { StoredStep } from '../../protocol/run-events.js';
import { parseCommandArgs, positionals } from '../args.js';
import type { Output } from '../io.js';
import { nonNegativeInt } from '../numeric-flags.js';
import { dbPath, openStore } from '../open-store.js';
import { clockTime, textTable } from '../text-table.js';

export const replayHelp = `Usage: switchyard replay <run-id> [--db <file>] [--at <event>] [--json]

Steps through a recorded run as its journal holds it, replayed with the code resume uses: for
each step, when it was recorded, what happened (dispatches, results, retries, skips) and every
task status that changed. With --at, the run as it stood after that event: each task's status,
attempts and agent, and the failure log so far.

  --db <file>  the state database (default $SWITCHYARD_DB, else ./switchyard.db)
  --at <n>     show the run as it stood after event n (whole steps: the step holding n ends it)
  --json       with --at: the workflow_state then; without: one JSON line per step
`;

/** One event as a few words: its type and the task or ref it is about. */
function word(e: Readonly<Record<string, unknown>>): string {
  const about = typeof e.task_id === 'string' ? ` ${e.task_id}` : typeof e.ref_id === 'string' ? ` ${e.ref_id}` : '';
  const outcome = e.outcome as { ok?: boolean; code?: string } | undefined;
  const how = outcome === undefined ? '' : outcome.ok ? ' ok' : ` ${outcome.code ?? 'failed'}`;
  return `${String(e.type)}${about}${how}`;
}

/** The status changes of one step, from the statuses before it: "task_3 ready→in_progress". */
function changes(before: Uint8Array, after: Uint8Array, ids: readonly string[]): string[] {
  const out: string[] = [];
  for (let v = 0; v < after.length; v++)
    if (before[v] !== after[v]) out.push(`${ids[v]} ${TASK_STATUSES[before[v]]}→${TASK_STATUSES[after[v]]}`);
  return out;
}

/** Every step of `runId`, replayed, as lines (or JSON lines). */
function stepLines(store: Awaited<ReturnType<typeof openStore>>, runId: string, json: boolean): string[] {
  const record = runRecord(store, runId);
  const steps = store.stepsAfter(runId, 0);
  const lines: string[] = [];
  let before: Uint8Array | undefined;
  const onStep = (step: StoredStep, core: { status: Uint8Array; plan: { ids: readonly string[] } }) => {
    const last = step.seq + step.events.length - 1;
    const changed = before ? changes(before, core.status, core.plan.ids) : [];
    before = core.status.slice();
    const events = step.events.map((e) => word(e as Record<string, unknown>));
    if (json) lines.push(JSON.stringify({ seq: step.seq, last, at: step.at, events, changed }));
    else
      lines.push(
        `#${step.seq}${last > step.seq ? `–${last}` : ''}  ${clockTime(step.at)}  ${events.join(', ')}${changed.length > 0 ? `\n      ${changed.join(', ')}` : ''}`,
      );
  };
  // From the plan (no checkpoint) while the log still begins at event 1; else from what is kept.
  const fromStart = steps[0]?.seq === 1;
  const checkpoint = fromStart ? undefined : store.latestCheckpoint(runId);
  const rebuilt = rebuild(
    record,
    checkpoint,
    steps,
    () => ({}),
    (step, core) => {
      before ??= new Uint8Array(core.status.length);
      onStep(step, core);
    },
  );
  if (!rebuilt.ok) throw rebuilt.error;
  if (!fromStart && checkpoint)
    lines.unshift(`(steps up to event ${checkpoint.seq} were compacted into a checkpoint; replaying from there)`);
  return lines;
}

/** `switchyard replay`. */
export async function replayCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals: given } = parseCommandArgs('replay', argv, {
    db: { type: 'string' },
    at: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(replayHelp);
    return 0;
  }
  const [runId] = positionals('replay', given, ['run-id']);
  const at = nonNegativeInt('at', values.at);
  const store = await openStore(dbPath(values.db), 'existing');
  try {
    if (at === undefined) {
      io.out(`${stepLines(store, runId, values.json === true).join('\n')}\n`);
      return 0;
    }
    const then = runStateAt(store, runId, at);
    if (values.json) {
      io.out(
        `${JSON.stringify({ run_id: runId, seq: then.seq, at: then.at, workflow_state: then.workflow_state }, null, 2)}\n`,
      );
      return 0;
    }
    const tasks = Object.entries(then.workflow_state.task_states);
    const out = [
      `run ${runId} after event ${then.seq} (${clockTime(then.at)} UTC)`,
      '',
      textTable(
        ['task', 'status', 'attempts', 'agent'],
        tasks.map(([id, t]) => [id, t.status, String(t.attempts), t.assigned_agent ?? '-']),
      ),
      '',
      'failure log:',
      ...(then.workflow_state.failure_log.length === 0
        ? ['  (none)']
        : then.workflow_state.failure_log.map(
            (f) => `  ${f.task_id} attempt ${f.attempts}: ${f.error_code} ${f.error_message}`,
          )),
    ];
    io.out(`${out.join('\n')}\n`);
    return 0;
  } finally {
    store.close();
  }
}
