import { copyFileSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SwitchyardError } from '../../src/index.js';
import { APPLICATION_ID, SCHEMA_VERSION, SqliteStore } from '../../src/sqlite.js';
import { MIGRATIONS } from '../../src/store/sqlite-schema.js';
import { encodeJson } from '../../src/store/binary-json.js';
import { compressed, storedText } from '../../src/store/stored-text.js';
import { thrown } from '../helpers/errors.js';
import { packEvents } from '../helpers/v3-log-rows.js';
import { describeStoreConformance, firstStep, step } from './store-conformance.js';

let dir: string;
const fresh = () => mkdtempSync(join(tmpdir(), 'switchyard-sqlite-'));

for (const writer of ['thread', 'inline'] as const) {
  describeStoreConformance(
    `sqlite, ${writer} writes`,
    () => {
      const at = fresh();
      const file = join(at, 'runs.db');
      return {
        store: SqliteStore.open(file, { writer }),
        reopen: () => SqliteStore.open(file, { mode: 'existing', writer }),
        cleanup: () => rmSync(at, { recursive: true, force: true }),
      };
    },
    { durable: true },
  );
}

function openError(path: string, mode: 'existing' | 'create' = 'existing'): SwitchyardError {
  try {
    SqliteStore.open(path, { mode }).close();
  } catch (error) {
    return error as SwitchyardError;
  }
  throw new Error(`${path} opened`);
}

/** A database as schema `version` made it (no rows), open for writing rows the way that version did. */
function atVersion(path: string, version: number): Database.Database {
  const db = new Database(path);
  db.pragma(`application_id = ${APPLICATION_ID}`);
  for (const migration of MIGRATIONS.slice(0, version)) db.exec(migration);
  db.pragma(`user_version = ${version}`);
  return db;
}

/** A running run's row, as every schema version has it, with events up to `lastSeq`. */
function insertRun(db: Database.Database, runId: string, lastSeq: number): void {
  db.prepare(
    'INSERT INTO runs (run_id, status, total, completed, failed, skipped, in_progress, created_at, updated_at, ended_at, last_seq, options) VALUES (?, ?, 3, 1, 0, 0, 0, 5, 6, NULL, ?, ?)',
  ).run(runId, 'running', lastSeq, '{"policy":"strict","max_attempts":3}');
}

/** A state database holding one run with a long log, closed (its WAL folded in). */
function populated(path: string): void {
  const store = SqliteStore.open(path);
  store.recordStep(firstStep('r1'), 1000);
  for (let seq = 2; seq < 400; seq++)
    store.recordStep(
      step('r1', seq, 1, {
        events: [{ type: 'task_dispatched', task_id: `t${seq}`, attempt: 1, agent_id: 'x'.repeat(200) }],
      }),
      1000,
    );
  store.close();
}

describe('SqliteStore files', () => {
  beforeEach(() => {
    dir = fresh();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('marks its files: WAL journal, application id, schema version', () => {
    const path = join(dir, 'a.db');
    SqliteStore.open(path).close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a missing file when it must exist, naming it', () => {
    const e = openError(join(dir, 'none.db'));
    expect(e.code).toBe('FILE_ERROR');
    expect(e.message).toContain(join(dir, 'none.db'));
  });

  it('treats an empty file as a new database when creating, and as holding no runs when reading', () => {
    const path = join(dir, 'empty.db');
    writeFileSync(path, '');
    const e = openError(path);
    expect(e.code).toBe('STORE_EMPTY');
    expect(e.message).toContain(path);
    const store = SqliteStore.open(path, { mode: 'create' });
    store.recordStep(firstStep('r1'), 1);
    store.close();
    expect(statSync(path).size).toBeGreaterThan(0);
  });

  it('refuses random bytes as damaged, in either mode, and leaves the file as it was', () => {
    const path = join(dir, 'noise.db');
    const noise = Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919) % 251));
    writeFileSync(path, noise);
    for (const mode of ['existing', 'create'] as const) {
      const e = openError(path, mode);
      expect(e.code).toBe('STORE_CORRUPT');
      expect(e.message).toContain(path);
    }
    expect(statSync(path).size).toBe(noise.length);
  });

  it('refuses a truncated database as damaged', () => {
    const path = join(dir, 'whole.db');
    populated(path);
    const cut = join(dir, 'cut.db');
    copyFileSync(path, cut);
    truncateSync(cut, Math.floor(statSync(path).size / 2));
    const e = openError(cut);
    expect(e.code).toBe('STORE_CORRUPT');
    expect(e.message).toContain(cut);
  });

  it("refuses another application's database without touching it", () => {
    const path = join(dir, 'foreign.db');
    const db = new Database(path);
    db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)');
    db.close();
    const before = statSync(path).size;
    for (const mode of ['existing', 'create'] as const) expect(openError(path, mode).code).toBe('STORE_FOREIGN');
    expect(statSync(path).size).toBe(before);
  });

  it('refuses a database from a newer schema version, saying which', () => {
    const path = join(dir, 'newer.db');
    SqliteStore.open(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const e = openError(path);
    expect(e.code).toBe('STORE_TOO_NEW');
    expect(e.message).toContain(`schema version ${SCHEMA_VERSION + 1}`);
  });

  it('opens a version-1 database and migrates it, keeping its runs', () => {
    const path = join(dir, 'v1.db');
    const db = atVersion(path, 1);
    insertRun(db, 'old-run', 1);
    db.prepare('INSERT INTO run_plans (run_id, plan) VALUES (?, ?)').run('old-run', '{"tasks":[]}');
    db.prepare('INSERT INTO events (run_id, seq, last_seq, at, events) VALUES (?, 1, 1, 5, ?)').run(
      'old-run',
      '[{"type":"plan_accepted","total_tasks":3}]',
    );
    db.close();
    const store = SqliteStore.open(path, { mode: 'existing' });
    expect(store.getRun('old-run')).toMatchObject({ run_id: 'old-run', last_seq: 1, runner: null });
    const next = step('old-run', 2, 1);
    store.recordStep(next, 7);
    store.recordRuntimeEvent({ at: 7, type: 'AgentRuntimeRegistered', runtime_id: 'x', workflow_id: null, data: {} });
    // The old row's objects and the new binary row read back alike.
    expect(store.stepsAfter('old-run', 0).map((s) => s.events)).toEqual([
      [{ type: 'plan_accepted', total_tasks: 3 }],
      next.events,
    ]);
    store.close();
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(check.prepare('SELECT seq, typeof(events) AS kind, format FROM events ORDER BY seq').all()).toEqual([
      { seq: 1, kind: 'text', format: 0 },
      { seq: 2, kind: 'blob', format: 1 },
    ]);
    check.close();
  });

  it('opens a version-3 database and reads its JSON plan and its packed and compressed log rows after migrating it', () => {
    const path = join(dir, 'v3.db');
    const db = atVersion(path, 3);
    const wave = step('v3-run', 2, 300).events;
    insertRun(db, 'v3-run', 301);
    const plan = {
      tasks: Array.from({ length: 100 }, (_, i) => ({
        id: `task_${i}`,
        action: 'noop',
        capability_ids: ['CAP-PRE-001'],
      })),
    };
    db.prepare('INSERT INTO run_plans (run_id, plan) VALUES (?, ?)').run('v3-run', storedText(JSON.stringify(plan)));
    const insert = db.prepare('INSERT INTO events (run_id, seq, last_seq, at, events) VALUES (?, ?, ?, 5, ?)');
    insert.run('v3-run', 1, 1, packEvents([{ type: 'plan_accepted', total_tasks: 3 }]));
    const compressed = storedText(packEvents(wave));
    expect(Buffer.isBuffer(compressed)).toBe(true);
    insert.run('v3-run', 2, 301, compressed);
    db.close();
    const store = SqliteStore.open(path, { mode: 'existing' });
    const next = step('v3-run', 302, 2);
    store.recordStep(next, 7);
    expect(store.stepsAfter('v3-run', 0).map((s) => s.events)).toEqual([
      [{ type: 'plan_accepted', total_tasks: 3 }],
      wave,
      next.events,
    ]);
    expect(store.getRun('v3-run')?.plan).toEqual(plan);
    store.close();
  });

  it('stores large plans, checkpoints and results compressed and log rows in binary, and reads them back whole', () => {
    const path = join(dir, 'large.db');
    const tasks = Array.from({ length: 500 }, (_, i) => ({
      id: `task_${i}`,
      action: 'noop',
      capability_ids: ['CAP-PRE-001'],
      depends_on: i === 0 ? [] : [`task_${i - 1}`],
      input_refs: [],
      output_refs: [],
    }));
    const first = firstStep('big', { accepted: { plan: { tasks }, options: { policy: 'strict', max_attempts: 3 } } });
    const wave = step('big', 2, 400);
    const last = step('big', 402, 1, {
      status: 'complete',
      checkpoint: { tasks: tasks.map((t) => ({ id: t.id, status: 'complete' })) },
      result: { task_results: Object.fromEntries(tasks.map((t) => [t.id, { status: 'complete', attempts: 1 }])) },
    });
    const store = SqliteStore.open(path);
    for (const s of [first, wave, last]) store.recordStep(s, 20);
    expect(store.getRun('big')).toMatchObject({ plan: { tasks }, result: last.result, last_seq: 402 });
    expect(store.latestCheckpoint('big')).toEqual({ seq: 402, state: last.checkpoint });
    expect(store.stepsAfter('big', 0).map((s) => s.events)).toEqual([first.events, wave.events, last.events]);
    store.close();
    const db = new Database(path, { readonly: true });
    const types = db
      .prepare(
        'SELECT (SELECT typeof(plan) FROM run_plans) AS plan, (SELECT typeof(result) FROM runs) AS result, (SELECT typeof(state) FROM checkpoints) AS checkpoint, (SELECT group_concat(typeof(events)) FROM events) AS rows',
      )
      .get();
    expect(types).toEqual({ plan: 'blob', result: 'blob', checkpoint: 'blob', rows: 'blob,blob,blob' });
    expect(statSync(path).size).toBeLessThan(JSON.stringify([first, wave, last]).length);
    db.close();
  });

  it('stores a plan of many parts with either writer, and a failed plan leaves nothing to the next', () => {
    // About 4 MB encoded: several parts, each compressed by the writer thread while the rest is encoded.
    const tasks = Array.from({ length: 40_000 }, (_, i) => ({
      id: `task_${i}`,
      action: 'noop',
      capability_ids: ['CAP-PRE-001'],
      depends_on: i === 0 ? [] : [`task_${i - 1}`],
      input_refs: [],
      output_refs: [],
      note: `n${(i * 7919) % 100_003}`.repeat(8),
    }));
    const plan = { tasks };
    for (const writer of ['thread', 'inline'] as const) {
      const path = join(dir, `parts-${writer}.db`);
      const store = SqliteStore.open(path, { writer });
      // A plan that cannot be encoded (a BigInt in its last task) fails after some parts went ahead.
      const unencodable = { tasks: [...tasks, { id: 'bad', action: 'noop', capability_ids: ['C'], size: 10n }] };
      expect(() =>
        store.recordStep(
          firstStep('bad', { accepted: { plan: unencodable, options: { policy: 'strict', max_attempts: 3 } } }),
          1,
        ),
      ).toThrow(/BigInt/);
      store.recordStep(firstStep('big', { accepted: { plan, options: { policy: 'strict', max_attempts: 3 } } }), 2);
      store.recordStep(firstStep('small'), 3);
      store.close();
      const again = SqliteStore.open(path, { mode: 'existing' });
      expect(again.getRun('big')?.plan, writer).toEqual(plan);
      expect(again.getRun('small')?.plan, writer).toEqual(firstStep('small').accepted?.plan);
      expect(again.getRun('bad'), writer).toBeUndefined();
      again.close();
      const db = new Database(path, { readonly: true });
      expect(db.prepare('SELECT run_id, format FROM run_plans ORDER BY run_id').all(), writer).toEqual([
        { run_id: 'big', format: 2 },
        { run_id: 'small', format: 2 },
      ]);
      db.close();
    }
  });

  it('reads a plan stored whole by schema 4', () => {
    const path = join(dir, 'v4.db');
    const db = atVersion(path, 4);
    insertRun(db, 'v4-run', 1);
    const plan = {
      tasks: Array.from({ length: 100 }, (_, i) => ({
        id: `task_${i}`,
        action: 'noop',
        capability_ids: ['CAP-PRE-001'],
      })),
    };
    db.prepare('INSERT INTO run_plans (run_id, plan, format) VALUES (?, ?, 1)').run(
      'v4-run',
      compressed(encodeJson(plan) as Buffer),
    );
    db.close();
    const store = SqliteStore.open(path, { mode: 'existing' });
    expect(store.getRun('v4-run')?.plan).toEqual(plan);
    store.close();
  });

  it('gives the space of pruned runs back to the file system', () => {
    const path = join(dir, 'prune.db');
    populated(path);
    const store = SqliteStore.open(path);
    store.recordStep(step('r1', 400, 1, { status: 'complete', checkpoint: {} }), 2000);
    store.close();
    const before = statSync(path).size;
    const again = SqliteStore.open(path);
    expect(again.prune(3000)).toEqual(['r1']);
    again.close();
    expect(statSync(path).size).toBeLessThan(before / 2);
  });
});

describe('SqliteStore writer thread', () => {
  beforeEach(() => {
    dir = fresh();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The run's row as another connection (another process) sees it. */
  const onFile = (path: string, runId: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare('SELECT status, last_seq FROM runs WHERE run_id = ?').get(runId);
    } finally {
      db.close();
    }
  };

  it("has a run's last step on file before recordStep returns, and every step on file after close", () => {
    const path = join(dir, 'runs.db');
    const store = SqliteStore.open(path);
    store.recordStep(firstStep('done'), 1);
    store.recordStep(step('done', 2, 5, { status: 'complete' }), 2);
    expect(onFile(path, 'done')).toEqual({ status: 'complete', last_seq: 6 });
    store.recordStep(firstStep('open'), 3);
    for (let seq = 2; seq < 500; seq += 3) store.recordStep(step('open', seq, 3), 4);
    store.close();
    expect(onFile(path, 'open')).toEqual({ status: 'running', last_seq: 499 });
  });

  it('refuses a step out of sequence at once, without waiting for the thread', () => {
    const store = SqliteStore.open(join(dir, 'runs.db'));
    store.recordStep(firstStep('r'), 1);
    store.recordStep(step('r', 2, 2), 2);
    expect(thrown(() => store.recordStep(step('r', 5, 1), 3)).code).toBe('LOG_GAP');
    expect(thrown(() => store.recordStep(firstStep('r'), 3)).code).toBe('RUN_EXISTS');
    store.recordStep(step('r', 4, 1), 4);
    expect(store.getRun('r')?.last_seq).toBe(4);
    store.close();
  });

  it('reports a step the thread could not write as a coded error naming the file, and writes nothing after it', () => {
    const path = join(dir, 'runs.db');
    const store = SqliteStore.open(path);
    store.recordStep(firstStep('r'), 1);
    expect(store.getRun('r')?.last_seq).toBe(1);
    // Another connection breaks the file under the writer: its next insert fails.
    const other = new Database(path);
    other.exec('DROP TABLE events');
    other.close();
    store.recordStep(step('r', 2, 1), 2);
    const error = thrown(() => store.recordStep(step('r', 3, 1, { status: 'complete' }), 3));
    expect(error.code).toBe('STORE_CORRUPT');
    expect(error.message).toContain(path);
    expect(thrown(() => store.recordStep(step('r', 4, 1), 4)).code).toBe('STORE_CORRUPT');
    expect(store.getRun('r')?.last_seq).toBe(1);
    // Reported already: closing does not throw it again.
    store.close();
  });
});
