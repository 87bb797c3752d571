import { ErrorCodes, SwitchyardError } from '../../protocol/errors.js';
import { parseCommandArgs, positionals } from '../args.js';
import type { Output } from '../io.js';
import { dbPath, openStore } from '../open-store.js';

export const pruneHelp = `Usage: switchyard prune --older-than <age> [--db <file>]

Deletes runs that ended (complete, partial, failed or cancelled) longer ago than <age>,
with their logs and checkpoints, and returns the space to the file system. Runs still
running or interrupted are kept. <age> is a number with a unit: 90s, 30m, 12h, 7d, 2w.

  --older-than <age>  how long ago a run must have ended to go
  --db <file>         the state database (default $SWITCHYARD_DB, else ./switchyard.db)
`;

const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `7d` → milliseconds; `USAGE_ERROR` for anything else. */
export function parseAge(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([smhdw])$/u.exec(text.trim());
  if (!match)
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      `--older-than takes a number and a unit (s, m, h, d, w), like 7d or 12h; got ${JSON.stringify(text)}.`,
      { value: text },
    );
  return Number(match[1]) * UNITS[match[2]];
}

/** `switchyard prune`. */
export async function pruneCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals: given } = parseCommandArgs('prune', argv, {
    'older-than': { type: 'string' },
    db: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(pruneHelp);
    return 0;
  }
  positionals('prune', given, []);
  if (values['older-than'] === undefined)
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      '`switchyard prune` needs --older-than <age>, like --older-than 7d. Run `switchyard prune --help` for usage.',
    );
  const age = parseAge(values['older-than']);
  const store = await openStore(dbPath(values.db), 'existing');
  try {
    const gone = store.prune(Date.now() - age);
    io.out(
      gone.length === 0
        ? `No run in ${store.location} ended more than ${values['older-than']} ago.\n`
        : `Pruned ${gone.length} run${gone.length === 1 ? '' : 's'} from ${store.location}: ${gone.join(', ')}\n`,
    );
    return 0;
  } finally {
    store.close();
  }
}
