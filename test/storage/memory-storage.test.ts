import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../src/storage/memory-storage.js';
import { describeStorageConformance } from './storage-conformance.js';

describeStorageConformance('memory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-memory-storage-'));
  return {
    storage: memoryStorage(),
    async source(content) {
      const path = join(dir, 'source.txt');
      await writeFile(path, content);
      return pathToFileURL(path).href;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('memoryStorage', () => {
  it('keeps a copy: changing the written or the read array changes nothing stored', async () => {
    const storage = memoryStorage();
    const bytes = new Uint8Array([1, 2, 3]);
    const uri = await storage.write('run-1', 'derived_1', bytes);
    bytes[0] = 9;
    (await storage.read(uri))[1] = 9;
    expect(await storage.read(uri)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('has no descriptor: it cannot cross into a worker thread', () => {
    expect(memoryStorage().descriptor).toBeUndefined();
  });
});
