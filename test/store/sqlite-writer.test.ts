import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/sqlite.js';
import { behind, writerEntry } from '../../src/store/sqlite-writer.js';
import { STATE, type WriterData, WriterState } from '../../src/store/sqlite-writer-protocol.js';

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
