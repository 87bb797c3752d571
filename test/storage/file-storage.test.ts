import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SwitchyardError } from '../../src/protocol/errors.js';
import { fileStorage, storageFromDescriptor } from '../../src/storage/file-storage.js';
import { describeStorageConformance, unsafeIds, validIds } from './storage-conformance.js';

async function rejection(promise: Promise<unknown>): Promise<SwitchyardError> {
  try {
    await promise;
  } catch (error) {
    return error as SwitchyardError;
  }
  throw new Error('expected a rejection');
}

/** Every file under `dir`, as paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

describeStorageConformance('file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-file-storage-'));
  return {
    storage: fileStorage({ root: join(dir, 'artifacts') }),
    async source(content) {
      const path = join(dir, 'source.txt');
      await writeFile(path, content);
      return pathToFileURL(path).href;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('fileStorage', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchyard-file-storage-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps one directory per run under its root, one file per ref, and file:// URIs to them', async () => {
    const storage = fileStorage({ root: dir });
    const uri = await storage.write('run-1', 'derived_1', 'x');
    expect(uri).toBe(pathToFileURL(join(dir, 'run-1', 'derived_1')).href);
    expect(await readFile(fileURLToPath(uri), 'utf8')).toBe('x');
    expect(storage.descriptor).toEqual({ kind: 'file', root: dir });
    expect(await storageFromDescriptor({ kind: 'file', root: dir }).read(uri)).toEqual(new TextEncoder().encode('x'));
  });

  it('writes nothing anywhere for an unsafe id: every file stays inside its run directory', async () => {
    const root = join(dir, 'root');
    const storage = fileStorage({ root });
    await fc.assert(
      fc.asyncProperty(unsafeIds, async (bad) => {
        await rejection(storage.write('run-1', bad, 'x'));
      }),
    );
    expect(await filesUnder(dir)).toEqual([]);
    await fc.assert(
      fc.asyncProperty(validIds, async (ref) => {
        const uri = await storage.write('run-1', ref, 'x');
        expect(fileURLToPath(uri).startsWith(join(root, 'run-1') + '/')).toBe(true);
      }),
      { numRuns: 100 },
    );
    for (const file of await filesUnder(root)) expect(file.startsWith('run-1/')).toBe(true);
  });

  it('names files so every file system takes them: letters a-z, digits, _ and - stay, the rest is %-encoded, long ids hashed', async () => {
    const storage = fileStorage({ root: dir });
    const long = `derived_${'é'.repeat(200)}`;
    await storage.write('run-1', 'Derived:1', 'a');
    await storage.write('run-1', long, 'b');
    const names = (await readdir(join(dir, 'run-1'))).sort();
    expect(names[0]).toBe('%44erived%3A1');
    expect(names.slice(1).map((n) => n.replace(/[0-9a-f]{64}/u, 'H'))).toEqual(['~H', '~H.ref-id']);
    expect([...(await storage.list('run-1')).keys()].sort()).toEqual(['Derived:1', long].sort());
  });

  it('writes atomically: a reader sees the old content or the new one whole, never a part', async () => {
    const storage = fileStorage({ root: dir });
    const a = 'a'.repeat(4 << 20);
    const b = 'b'.repeat(4 << 20);
    const uri = await storage.write('run-1', 'derived_1', a);
    const seen = new Set<string>();
    const writes = Promise.all([1, 2, 3, 4].map((i) => storage.write('run-1', 'derived_1', i % 2 ? b : a)));
    let done = false;
    void writes.then(() => (done = true));
    while (!done) {
      const text = new TextDecoder().decode(await storage.read(uri));
      seen.add(text === a ? 'a' : text === b ? 'b' : `torn at ${text.length}`);
    }
    await writes;
    expect([...seen].filter((s) => s.startsWith('torn'))).toEqual([]);
    expect(await readdir(join(dir, 'run-1'))).toEqual(['derived_1']);
  });

  it('removes its temporary file when the rename fails, and says why', async () => {
    const storage = fileStorage({ root: dir });
    await mkdir(join(dir, 'run-1', 'derived_1', 'inside'), { recursive: true });
    expect((await rejection(storage.write('run-1', 'derived_1', 'x'))).code).toBe('ARTIFACT_INACCESSIBLE');
    expect((await readdir(join(dir, 'run-1'))).sort()).toEqual(['derived_1']);
  });

  it('answers ARTIFACT_INACCESSIBLE for a root that is a file, and for reading a directory', async () => {
    await writeFile(join(dir, 'a-file'), '');
    expect((await rejection(fileStorage({ root: join(dir, 'a-file') }).write('run-1', 'derived_1', 'x'))).code).toBe(
      'ARTIFACT_INACCESSIBLE',
    );
    expect((await rejection(fileStorage({ root: dir }).read(pathToFileURL(dir).href))).code).toBe(
      'ARTIFACT_INACCESSIBLE',
    );
  });

  it('refuses a missing or empty root with INVALID_INPUT', () => {
    for (const root of [undefined, '', 'a\0b'])
      expect(() => fileStorage({ root } as never)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
