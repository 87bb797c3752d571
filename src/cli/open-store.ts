import type { StateStore } from '../store/state-store.js';

/** The state database a read command opens: `--db`, else `$SWITCHYARD_DB`, else `./switchyard.db`. */
export function dbPath(flag: string | undefined): string {
  return flag ?? process.env.SWITCHYARD_DB ?? 'switchyard.db';
}

/**
 * Opens the SQLite state database at `path`. The native module is loaded only here, so the
 * commands that need no database never load it.
 */
export async function openStore(path: string, mode: 'existing' | 'create'): Promise<StateStore> {
  const { SqliteStore } = await import('../store/sqlite-store.js');
  return SqliteStore.open(path, { mode });
}
