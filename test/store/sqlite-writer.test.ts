import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { SimulatedScheduler } from '../../src/core/scheduler.js';
import { SqliteStore } from '../../src/sqlite.js';
import { behind, writerEntry } from '../../src/store/sqlite-writer.js';
import { STATE, type WriterData, WriterState } from '../../src/store/sqlite-writer-protocol.js';
import { firstStep, step } from './store-conformance.js';

describe('SQLite writer thread counts', () => {
  it('tells rows still to commit from none, across the wrap of its Int32 count', () => {
    const wrapped = (n: number) => n | 0;
    for (const start of [0, 1000, 2 ** 31 - 3, -5]) {
      const issued = wrapped(start + 5);
      expect(behind(wrapped(start), issued), `from ${start}`).toBe(true);
      expect(behind(wrapped(start + 4), issued), `from ${start}`).toBe(true);
      expect(behind(wrapped(start + 5), issued), `from ${start}`).toBe(false);
    }
    // Two billion and some rows in, the counts have wrapped and still compare.
    expect(behind(2 ** 31 - 1, wrapped(2 ** 31 + 1))).toBe(true);
    expect(behind(wrapped(2 ** 31 + 1), wrapped(2 ** 31 + 1))).toBe(false);
    // The naive comparison gets the wrapped case wrong: this is what the helper is for.
    expect(2 ** 31 - 1 >= wrapped(2 ** 31 + 1)).toBe(true);
  });
});

describe('SQLite writer thread', () => {
  it('marks itself broken on its way out when it dies, so a host waiting on it stops at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-writer-'));
    try {
      const path = join(dir, 'runs.db');
      SqliteStore.open(path).close();
      const shared = new SharedArrayBuffer(8);
      const { port1, port2 } = new MessageChannel();
      const entry = writerEntry();
      const data: WriterData = { path, synchronous: 'normal', shared, port: port2 };
      const worker = new Worker(entry.filename, { workerData: data, transferList: [port2], execArgv: entry.execArgv });
      const failed = new Promise<Error>((resolve) => worker.once('error', resolve));
      const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
      // Not a part of a plan: compressing it throws outside any handler, and the thread dies of it.
      port1.postMessage({ type: 'plan-part', part: 42 });
      expect((await failed).name).toBe('TypeError');
      await exited;
      expect(Atomics.load(new Int32Array(shared), STATE)).toBe(WriterState.broken);
      port1.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("SQLite writer hand-over, on the store's scheduler", () => {
  it('hands the rows of a window to the thread when its 1 ms ends on the scheduler, and 64 waiting rows at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-writer-'));
    const path = join(dir, 'runs.db');
    const time = new SimulatedScheduler(0);
    const store = SqliteStore.open(path, { scheduler: time });
    const reader = new Database(path, { readonly: true });
    try {
      const lastSeq = () =>
        (reader.prepare('SELECT last_seq FROM runs WHERE run_id = ?').get('r1') as { last_seq: number }).last_seq;
      // A run's first step is on file before recordStep returns: no timer.
      store.recordStep(firstStep('r1'), 1000);
      expect(time.pending).toBe(0);
      expect(lastSeq()).toBe(1);
      store.recordStep(step('r1', 2, 1), 1001);
      store.recordStep(step('r1', 3, 1), 1002);
      // One timer for the window, whatever the rows in it.
      expect(time.pending).toBe(1);
      expect(time.nextDue).toBe(1);
      time.advance(1);
      expect(time.pending).toBe(0);
      // Handed over: the thread commits them without any call waiting for it.
      await vi.waitFor(() => expect(lastSeq()).toBe(3), { timeout: 30_000 });
      for (let seq = 4; seq < 4 + 64; seq++) store.recordStep(step('r1', seq, 1), 1003);
      // The 64th row handed them over and cancelled the window's timer.
      expect(time.pending).toBe(0);
      await vi.waitFor(() => expect(lastSeq()).toBe(67), { timeout: 30_000 });
    } finally {
      reader.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
