import type Database from 'better-sqlite3';
import type { Synchronous } from './sqlite-synchronous.js';

/** Sets up one connection to a state database (each connection needs it: the store's and its writer thread's). */
export function configure(db: Database.Database, synchronous: Synchronous): void {
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  // Fold the WAL into the database every 64 MB rather than every 4 MB (the default): a run
  // writes a lot, and each fold syncs the file. The WAL file is cut back to 64 MB after a fold.
  db.pragma('wal_autocheckpoint = 16384');
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
}
