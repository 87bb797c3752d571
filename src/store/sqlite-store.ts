import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { type Scheduler, systemScheduler } from '../core/scheduler.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { decodeEvents } from './binary-events.js';
import { decodeJson } from './binary-json.js';
import { unpackEvents } from './event-codec.js';
import type { RunStepMessage, StoredStep } from '../protocol/run-events.js';
import { configure } from './sqlite-connection.js';
import { asStoreError, corrupt, empty } from './sqlite-errors.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from './sqlite-schema.js';
import { BINARY, BINARY_FRAMES, stepRow, writeStatements, writeStepRow } from './sqlite-step-rows.js';
import type { Synchronous } from './sqlite-synchronous.js';
import { SqliteWriter } from './sqlite-writer.js';
import type {
  Checkpoint,
  Lease,
  LeaseHolder,
  RunRecord,
  RunSummary,
  RuntimeEventRecord,
  StateStore,
} from './state-store.js';
import { applyStep, checkLease, type RunHead, stepFacts } from './step-write.js';
import { decompressed, decompressedFrames, readStoredText } from './stored-text.js';

/** Options of {@link SqliteStore.open}. */
export interface SqliteStoreOptions {
  /**
   * `create` makes the file (or initialises an empty one) if need be; `existing` only opens
   * a database that already holds Switchyard runs, and checks its pages first. @default 'create'
   */
  mode?: 'existing' | 'create';
  /**
   * `normal` (default): WAL, committed steps survive a crash of the process (SIGKILL), and
   * fsync happens at WAL checkpoints. `full`: fsync on every commit, so they also survive a
   * power cut, at a cost in throughput.
   */
  synchronous?: Synchronous;
  /**
   * `thread` (default): steps are committed on a writer thread of the store's own (started by
   * the first lease or step), so SQLite's work and fsyncs do not hold up the thread driving the
   * runs; steps waiting for it are committed together, each whole or not at all. A run's first
   * and last steps, a read and `close()` wait until every step handed over is committed; a
   * crash can lose the few steps in between that were not yet, which resume treats as never
   * recorded (their attempts are dispatched again). `inline`: each step is committed before
   * `recordStep` returns.
   */
  writer?: 'thread' | 'inline';
  /**
   * Time and timers of the writer thread's host side: how long rows wait to be handed over
   * together. Tests pass a `SimulatedScheduler`. @default systemScheduler
   */
  scheduler?: Scheduler;
}

interface RunRow {
  run_id: string;
  status: RunRecord['status'];
  total: number;
  completed: number;
  failed: number;
  skipped: number;
  in_progress: number;
  created_at: number;
  updated_at: number;
  ended_at: number | null;
  last_seq: number;
  /** The plan in the layout of `binary-json.ts`, compressed in parts ({@link BINARY_FRAMES}) or (schema 4) whole ({@link BINARY}), or (before schema 4) as JSON text, Brotli-compressed when large. */
  plan: string | Buffer;
  plan_format: number;
  options: string;
  session_id: string | null;
  request_id: string | null;
  runner: string | null;
  /** JSON text, Brotli-compressed when large ({@link storedText}); so are checkpoints. */
  result: string | Buffer | null;
}

/** A log row as stored: `format` 0 is JSON text (schema 3 and before), {@link BINARY} the binary layout. */
interface LogRow {
  seq: number;
  at: number;
  events: string | Buffer;
  format: number;
}

/**
 * The durable {@link StateStore}: one SQLite file (better-sqlite3, WAL mode), exported as
 * `switchyard/sqlite` so the core never loads the native module. Steps are committed on a
 * writer thread (see {@link SqliteStoreOptions.writer}), each step whole in one transaction.
 * The schema is versioned (`PRAGMA user_version`) and migrated on open; the file is marked
 * with an application id so a foreign database is refused rather than written into.
 */
export class SqliteStore implements StateStore {
  readonly location: string;
  readonly synchronous: Synchronous;
  readonly writer: 'thread' | 'inline';
  readonly #db: Database.Database;
  readonly #q: ReturnType<typeof statements>;
  readonly #writeInline: (step: RunStepMessage, now: number) => void;
  /** The writer thread, started by the first step recorded (a store only read never starts one). */
  #thread: SqliteWriter | undefined;
  /** With a writer thread: the head of each running run this store records, as of the steps handed over. */
  readonly #heads = new Map<string, RunHead>();
  readonly #scheduler: Scheduler;

  private constructor(
    path: string,
    db: Database.Database,
    synchronous: Synchronous,
    writer: 'thread' | 'inline',
    scheduler: Scheduler,
  ) {
    this.location = path;
    this.#scheduler = scheduler;
    this.synchronous = synchronous;
    this.writer = writer;
    this.#db = db;
    this.#q = statements(db);
    this.#writeInline = db.transaction((step: RunStepMessage, now: number) =>
      writeStepRow(this.#q, this.location, stepRow(step, stepFacts(step), now)),
    );
  }

  /**
   * Opens (or, in `create` mode, creates) the state database at `path`. A missing file in
   * `existing` mode is `FILE_ERROR`; an empty one `STORE_EMPTY`; a damaged, truncated or non-SQLite
   * file `STORE_CORRUPT`; another application's database `STORE_FOREIGN`; one from a newer
   * Switchyard `STORE_TOO_NEW`. Each message names the file.
   */
  static open(path: string, options: SqliteStoreOptions = {}): SqliteStore {
    const mode = options.mode ?? 'create';
    const synchronous = options.synchronous ?? 'normal';
    let size: number | undefined;
    try {
      const stat = statSync(path);
      if (stat.isDirectory())
        throw new SwitchyardError(ErrorCodes.FILE_ERROR, `${path} is a directory, not a state database file.`, {
          path,
        });
      size = stat.size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw asStoreError(error, path);
    }
    if (mode === 'existing' && size === undefined)
      throw new SwitchyardError(
        ErrorCodes.FILE_ERROR,
        `There is no state database at ${path}. Runs are recorded there with \`switchyard run <plan> --db ${path}\`.`,
        { path },
      );
    if (mode === 'existing' && size === 0) throw empty(path);
    let db: Database.Database;
    try {
      db = new Database(path, { fileMustExist: mode === 'existing' });
    } catch (error) {
      throw asStoreError(error, path);
    }
    try {
      prepare(db, path, mode, synchronous);
      return new SqliteStore(path, db, synchronous, options.writer ?? 'thread', options.scheduler ?? systemScheduler);
    } catch (error) {
      db.close();
      throw asStoreError(error, path);
    }
  }

  recordStep(step: RunStepMessage, now: number): void {
    if (this.writer === 'inline') return this.#guard(() => this.#writeInline(step, now));
    this.#guard(() => {
      const thread = this.#writerThread();
      // The same checks as the write itself, here, so a refused step is refused at once.
      let before = this.#heads.get(step.run_id);
      if (!before) {
        thread.drain();
        before = this.#q.head.get(step.run_id) as RunHead | undefined;
      }
      const facts = stepFacts(step);
      const head = applyStep(this.location, before, facts, now);
      thread.write(thread.encode(step, facts, now));
      if (step.status === 'running') this.#heads.set(step.run_id, head);
      else this.#heads.delete(step.run_id);
      // A run's first step (so it can be resumed) and its last are on file before this returns.
      if (step.accepted || step.status !== 'running') thread.drain();
    });
  }

  recordRuntimeEvent(event: Omit<RuntimeEventRecord, 'id'>): void {
    this.#guard(() =>
      this.#q.insertRuntimeEvent.run(
        event.at,
        event.type,
        event.runtime_id,
        event.workflow_id,
        JSON.stringify(event.data),
      ),
    );
  }

  getRun(runId: string): RunRecord | undefined {
    return this.#read(() => {
      const row = this.#q.getRun.get(runId) as RunRow | undefined;
      return row ? toRecord(row) : undefined;
    });
  }

  listRuns(): RunSummary[] {
    return this.#read(() =>
      (this.#q.listRuns.all() as Array<Omit<RunRow, 'plan' | 'plan_format' | 'result'>>).map(toSummary),
    );
  }

  latestCheckpoint(runId: string): Checkpoint | undefined {
    return this.#read(() => {
      const row = this.#q.latestCheckpoint.get(runId) as { seq: number; state: string | Buffer } | undefined;
      return row ? { seq: row.seq, state: JSON.parse(readStoredText(row.state)) as unknown } : undefined;
    });
  }

  stepsAfter(runId: string, afterSeq: number): StoredStep[] {
    return this.#read(() =>
      (this.#q.stepsAfter.all(runId, afterSeq) as LogRow[]).map((r) => ({
        seq: r.seq,
        at: r.at,
        events: r.format === BINARY ? decodeEvents(r.events as Buffer) : unpackEvents(readStoredText(r.events)),
      })),
    );
  }

  runtimeEvents(limit: number): RuntimeEventRecord[] {
    return this.#read(() =>
      (this.#q.runtimeEvents.all(limit) as Array<Omit<RuntimeEventRecord, 'data'> & { data: string }>)
        .reverse()
        .map((r) => ({ ...r, data: JSON.parse(r.data) as unknown })),
    );
  }

  acquireLease(
    runId: string,
    holder: LeaseHolder,
    now: number,
    ttlMs: number,
    isStale: (lease: Lease) => boolean,
  ): void {
    // Whoever takes a lease is about to record steps: the writer thread starts meanwhile.
    if (this.writer === 'thread' && this.#db.open) this.#writerThread();
    this.#guard(() =>
      this.#db
        .transaction(() => {
          checkLease(this.#q.getLease.get(runId) as Lease | undefined, holder, runId, now, isStale);
          this.#q.putLease.run(runId, holder.owner, holder.pid, holder.host, now + ttlMs);
        })
        .immediate(),
    );
  }

  releaseLease(runId: string, owner: string): void {
    this.#guard(() => this.#q.dropLease.run(runId, owner));
  }

  getLease(runId: string): Lease | undefined {
    return this.#guard(() => this.#q.getLease.get(runId) as Lease | undefined);
  }

  prune(endedBefore: number): string[] {
    return this.#read(() => {
      const ids = this.#db.transaction(() => {
        const gone = (this.#q.endedBefore.all(endedBefore) as Array<{ run_id: string }>).map((r) => r.run_id);
        for (const id of gone) for (const drop of this.#q.dropRun) drop.run(id);
        return gone;
      })();
      // Give the freed pages back to the file system.
      if (ids.length > 0) this.#db.pragma('incremental_vacuum');
      return ids;
    });
  }

  /** Closes the file, after the writer thread has committed every step handed to it. */
  close(): void {
    const thread = this.#thread;
    this.#thread = undefined;
    try {
      thread?.close();
    } finally {
      if (this.#db.open) this.#db.close();
    }
  }

  #writerThread(): SqliteWriter {
    return (this.#thread ??= new SqliteWriter(this.location, this.synchronous, this.#scheduler));
  }

  /** A read: it sees every step handed to the writer thread before it. */
  #read<T>(fn: () => T): T {
    return this.#guard(() => {
      this.#thread?.settle();
      return fn();
    });
  }

  #guard<T>(fn: () => T): T {
    if (!this.#db.open)
      throw new SwitchyardError(ErrorCodes.CLOSED, `The state database ${this.location} was closed.`, {
        path: this.location,
      });
    try {
      return fn();
    } catch (error) {
      throw asStoreError(error, this.location);
    }
  }
}

/** The statements of the store's own connection: reads, leases, pruning — and, without a writer thread, writes. */
function statements(db: Database.Database) {
  return {
    ...writeStatements(db),
    getRun: db.prepare(
      'SELECT r.*, p.plan, p.format AS plan_format FROM runs r JOIN run_plans p USING (run_id) WHERE run_id = ?',
    ),
    listRuns: db.prepare(
      'SELECT run_id, status, total, completed, failed, skipped, in_progress, created_at, updated_at, ended_at, last_seq, options, session_id, request_id, runner FROM runs ORDER BY created_at DESC, run_id DESC',
    ),
    latestCheckpoint: db.prepare('SELECT seq, state FROM checkpoints WHERE run_id = ? ORDER BY seq DESC LIMIT 1'),
    stepsAfter: db.prepare('SELECT seq, at, events, format FROM events WHERE run_id = ? AND seq > ? ORDER BY seq'),
    insertRuntimeEvent: db.prepare(
      'INSERT INTO runtime_events (at, type, runtime_id, workflow_id, data) VALUES (?, ?, ?, ?, ?)',
    ),
    runtimeEvents: db.prepare(
      'SELECT id, at, type, runtime_id, workflow_id, data FROM runtime_events ORDER BY id DESC LIMIT ?',
    ),
    getLease: db.prepare('SELECT run_id, owner, pid, host, expires_at FROM leases WHERE run_id = ?'),
    putLease: db.prepare(
      'INSERT INTO leases (run_id, owner, pid, host, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (run_id) DO UPDATE SET owner = excluded.owner, pid = excluded.pid, host = excluded.host, expires_at = excluded.expires_at',
    ),
    dropLease: db.prepare('DELETE FROM leases WHERE run_id = ? AND owner = ?'),
    endedBefore: db.prepare('SELECT run_id FROM runs WHERE ended_at IS NOT NULL AND ended_at < ?'),
    dropRun: ['events', 'checkpoints', 'leases', 'run_plans', 'runs'].map((table) =>
      db.prepare(`DELETE FROM ${table} WHERE run_id = ?`),
    ),
  };
}

/** Checks what the file is, creates or migrates the schema, and sets the connection up. */
function prepare(db: Database.Database, path: string, mode: 'existing' | 'create', synchronous: Synchronous): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  const version = db.pragma('user_version', { simple: true }) as number;
  const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }).n;
  if (appId === 0 && version === 0 && tables === 0) {
    if (mode === 'existing') throw empty(path);
    // A new database: pages freed by pruning can be returned (needs setting before any table).
    db.pragma('auto_vacuum = INCREMENTAL');
    db.pragma(`application_id = ${APPLICATION_ID}`);
  } else if (appId !== APPLICATION_ID) {
    throw new SwitchyardError(
      ErrorCodes.STORE_FOREIGN,
      `${path} is a SQLite database of some other application (application_id ${appId}), not a Switchyard state database; it was left untouched. Give --db a new file.`,
      { path, application_id: appId },
    );
  } else if (version > SCHEMA_VERSION) {
    throw new SwitchyardError(
      ErrorCodes.STORE_TOO_NEW,
      `${path} has schema version ${version}, written by a newer Switchyard; this one knows versions up to ${SCHEMA_VERSION}. Upgrade Switchyard to open it.`,
      { path, version, supported: SCHEMA_VERSION },
    );
  }
  if (mode === 'existing') {
    const check = db.pragma('quick_check', { simple: true }) as string;
    if (check !== 'ok') throw corrupt(path, check);
  }
  configure(db, synchronous);
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from < SCHEMA_VERSION) {
    db.transaction(() => {
      for (let v = from; v < SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  }
}

function toRecord(row: RunRow): RunRecord {
  return {
    ...toSummary(row),
    plan: storedPlan(row),
    result: row.result === null ? null : (JSON.parse(readStoredText(row.result)) as unknown),
  };
}

/** A run row's plan, in any format a version of the schema wrote it. */
function storedPlan(row: RunRow): unknown {
  if (row.plan_format === BINARY_FRAMES) return decodeJson(decompressedFrames(row.plan as Buffer));
  if (row.plan_format === BINARY) return decodeJson(decompressed(row.plan as Buffer));
  return JSON.parse(readStoredText(row.plan)) as unknown;
}

function toSummary(row: Omit<RunRow, 'plan' | 'plan_format' | 'result'>): RunSummary {
  return {
    run_id: row.run_id,
    status: row.status,
    counts: {
      total: row.total,
      completed: row.completed,
      failed: row.failed,
      skipped: row.skipped,
      in_progress: row.in_progress,
    },
    created_at: row.created_at,
    updated_at: row.updated_at,
    ended_at: row.ended_at,
    last_seq: row.last_seq,
    options: JSON.parse(row.options) as RunRecord['options'],
    session_id: row.session_id,
    request_id: row.request_id,
    runner: row.runner === null ? null : (JSON.parse(row.runner) as Record<string, unknown>),
  };
}
