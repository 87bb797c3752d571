/** `PRAGMA application_id` of a Switchyard state database ('SWYD'): tells ours from foreign files. */
export const APPLICATION_ID = 0x53575944;

/**
 * The schema, one migration per version: migration `i` takes a database from version `i` to
 * `i + 1` (`PRAGMA user_version`). Never edit a released migration; append a new one.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: runs, their plans, step logs, checkpoints and leases. The plan has a table of its own:
  // the run row is rewritten on every step, and a large plan in it would be rewritten too.
  // Log rows and checkpoints are large: rowid tables (WITHOUT ROWID suits small rows only).
  `CREATE TABLE runs (
     run_id TEXT PRIMARY KEY,
     status TEXT NOT NULL,
     total INTEGER NOT NULL, completed INTEGER NOT NULL, failed INTEGER NOT NULL, skipped INTEGER NOT NULL, in_progress INTEGER NOT NULL,
     created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, ended_at INTEGER,
     last_seq INTEGER NOT NULL,
     options TEXT NOT NULL,
     session_id TEXT, request_id TEXT,
     result TEXT
   );
   CREATE TABLE run_plans (run_id TEXT PRIMARY KEY, plan TEXT NOT NULL);
   CREATE TABLE events (run_id TEXT NOT NULL, seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, at INTEGER NOT NULL, events TEXT NOT NULL);
   CREATE UNIQUE INDEX events_by_run ON events (run_id, seq);
   CREATE TABLE checkpoints (run_id TEXT NOT NULL, seq INTEGER NOT NULL, state TEXT NOT NULL);
   CREATE UNIQUE INDEX checkpoints_by_run ON checkpoints (run_id, seq);
   CREATE TABLE leases (run_id TEXT PRIMARY KEY, owner TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL, expires_at INTEGER NOT NULL);`,
  // 2: how a run was started (to resume it the same way), runtime-wide events, and an index for pruning.
  `ALTER TABLE runs ADD COLUMN runner TEXT;
   CREATE TABLE runtime_events (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, type TEXT NOT NULL, runtime_id TEXT, workflow_id TEXT, data TEXT NOT NULL);
   CREATE INDEX runs_ended_at ON runs (ended_at);`,
  // 3: log rows hold packed events (event-codec.ts), and large plans, results, log rows and
  // checkpoints are stored Brotli-compressed (stored-text.ts): an older Switchyard cannot read them. Rows
  // written before stay as they are and are still read. No table changes.
  `SELECT 1;`,
  // 4: log rows are written in the binary layout of binary-events.ts, and plans in that of
  // binary-json.ts (format 1); rows written before (format 0) hold JSON text as version 3
  // wrote it, and are still read.
  `ALTER TABLE events ADD COLUMN format INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE run_plans ADD COLUMN format INTEGER NOT NULL DEFAULT 0;`,
  // 5: plans are written in parts, each compressed on its own (format 2, stored-text.ts's
  // joinFrames), which an older Switchyard cannot read. Plans written before are still read.
  `SELECT 1;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
