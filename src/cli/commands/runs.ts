import { displayStatus } from '../../journal/run-view.js';
import { parseCommandArgs, positionals } from '../args.js';
import type { Output } from '../io.js';
import { dbPath, openStore } from '../open-store.js';
import { clockTime, textTable } from '../text-table.js';

export const runsHelp = `Usage: switchyard runs [--db <file>] [--json]

Lists the runs recorded in a state database, newest first: status, progress, start and end.
A run whose process stopped without ending it shows as \`interrupted\`; resume it with
\`switchyard resume <run-id>\`.

  --db <file>  the state database (default $SWITCHYARD_DB, else ./switchyard.db)
  --json       print the list as JSON
`;

/** `switchyard runs`. */
export async function runsCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals: given } = parseCommandArgs('runs', argv, {
    db: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(runsHelp);
    return 0;
  }
  positionals('runs', given, []);
  const store = await openStore(dbPath(values.db), 'existing');
  try {
    const now = Date.now();
    const runs = store.listRuns().map((r) => ({ record: r, status: displayStatus(store, r, now) }));
    if (values.json) {
      io.out(
        `${JSON.stringify(
          runs.map(({ record: r, status }) => ({
            run_id: r.run_id,
            status,
            ...r.counts,
            created_at: r.created_at,
            updated_at: r.updated_at,
            ended_at: r.ended_at,
            events: r.last_seq,
          })),
          null,
          2,
        )}\n`,
      );
      return 0;
    }
    if (runs.length === 0) {
      io.out(`No runs in ${store.location}.\n`);
      return 0;
    }
    const rows = runs.map(({ record: r, status }) => {
      const c = r.counts;
      const progress = `${c.completed}/${c.total}${c.failed > 0 ? `, ${c.failed} failed` : ''}${c.skipped > 0 ? `, ${c.skipped} skipped` : ''}`;
      return [
        r.run_id,
        status,
        progress,
        clockTime(r.created_at),
        r.ended_at === null ? `(last step ${clockTime(r.updated_at)})` : clockTime(r.ended_at),
      ];
    });
    io.out(`${textTable(['run', 'status', 'progress', 'started (UTC)', 'ended (UTC)'], rows, { 4: 40 })}\n`);
    return 0;
  } finally {
    store.close();
  }
}
