import { runView } from '../../journal/run-view.js';
import { parseCommandArgs, positionals } from '../args.js';
import type { Output } from '../io.js';
import { nonNegativeInt } from '../numeric-flags.js';
import { dbPath, openStore } from '../open-store.js';
import { clockTime, textTable } from '../text-table.js';

export const showHelp = `Usage: switchyard show <run-id> [--db <file>] [--json]

Shows one recorded run as it stands: every task's status, attempts, agent and times, the
failure log, the execution groups' timeline and the latest steps of the event log. The
state is rebuilt from the latest checkpoint and the log after it, exactly as resume does.

  --db <file>  the state database (default $SWITCHYARD_DB, else ./switchyard.db)
  --steps <n>  how many of the latest logged steps to list (default 15)
  --json       print the run row, its workflow_state and the logged steps as JSON
`;

/** `switchyard show`. */
export async function showCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals: given } = parseCommandArgs('show', argv, {
    db: { type: 'string' },
    json: { type: 'boolean' },
    steps: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(showHelp);
    return 0;
  }
  const [runId] = positionals('show', given, ['run-id']);
  const shown = nonNegativeInt('steps', values.steps) ?? 15;
  const store = await openStore(dbPath(values.db), 'existing');
  try {
    const view = runView(store, runId, Date.now());
    const { run: record, workflow_state: state } = view;
    if (values.json) {
      io.out(`${JSON.stringify({ run: record, workflow_state: state, steps: store.stepsAfter(runId, 0) }, null, 2)}\n`);
      return 0;
    }
    const status = record.status;
    const c = record.counts;
    const out: string[] = [
      `run ${runId}: ${status} — ${c.completed}/${c.total} complete, ${c.failed} failed, ${c.skipped} skipped, ${c.in_progress} in progress`,
      `started ${clockTime(record.created_at)} UTC, ${record.ended_at === null ? `last step ${clockTime(record.updated_at)}` : `ended ${clockTime(record.ended_at)}`} UTC; ${record.last_seq} events${view.checkpoint_seq === undefined ? '' : `, latest checkpoint after event ${view.checkpoint_seq}`}`,
      '',
      textTable(
        ['task', 'status', 'attempts', 'agent', 'dispatched', 'completed', 'summary / reason'],
        Object.entries(state.task_states).map(([id, t]) => [
          id,
          t.status,
          String(t.attempts),
          t.assigned_agent ?? '-',
          t.dispatched_at ?? '-',
          t.completed_at ?? '-',
          t.result_summary ?? (typeof t.skipped_because === 'string' ? `skipped: ${t.skipped_because} failed` : ''),
        ]),
        { 6: 60 },
      ),
    ];
    out.push('', 'failure log:');
    if (state.failure_log.length === 0) out.push('  (none)');
    for (const f of state.failure_log)
      out.push(
        `  ${f.at ?? '-'}  ${f.task_id} attempt ${f.attempts}: ${f.error_code} (${f.recoverable ? 'recoverable' : 'not recoverable'}, ${f.retried ? 'retried' : 'final'}) ${f.error_message}`,
      );
    out.push('', 'timeline:');
    for (const t of state.switchyard.run.timeline)
      out.push(
        `  group ${t.execution_group}: started ${clockTime(t.started_at)}, completed ${clockTime(t.completed_at)}`,
      );
    const steps = shown === 0 ? [] : store.stepsAfter(runId, 0).slice(-shown);
    out.push('', `latest steps (of those kept after compaction):`);
    for (const s of steps) {
      const last = s.seq + s.events.length - 1;
      const what = s.events
        .map(
          (e) =>
            `${e.type}${typeof e.task_id === 'string' ? ` ${e.task_id}` : typeof e.ref_id === 'string' ? ` ${e.ref_id}` : ''}`,
        )
        .join(', ');
      out.push(`  ${clockTime(s.at)}  #${s.seq}${last > s.seq ? `–${last}` : ''}  ${what}`);
    }
    io.out(`${out.join('\n')}\n`);
    return 0;
  } finally {
    store.close();
  }
}
