import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { idProblem } from '../../src/protocol/ids.js';
import type { SwitchyardError } from '../../src/protocol/errors.js';
import type { ArtifactStorage } from '../../src/storage/artifact-storage.js';

/** What an implementation under test provides. */
export interface StorageUnderTest {
  readonly storage: ArtifactStorage;
  /** A `file:` URI of an existing file holding `content`, outside the storage (a plan's source). */
  source(content: string): Promise<string>;
  cleanup?(): Promise<void>;
}

async function rejection(promise: Promise<unknown>): Promise<SwitchyardError> {
  try {
    await promise;
  } catch (error) {
    return error as SwitchyardError;
  }
  throw new Error('expected a rejection');
}

/** Any id the plan's id rule accepts: the usual ones, and any Unicode text that passes. */
export const validIds = fc
  .oneof(
    fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/u),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 256 }),
  )
  .filter((id) => idProblem(id) === undefined);

/** Ids that could escape a directory or name nothing, and the ids the rule refuses besides. */
export const unsafeIds = fc.oneof(
  fc.constantFrom(
    '',
    '..',
    '.',
    '../x',
    'a/b',
    '/etc/passwd',
    'a\\b',
    'a\0b',
    '\0',
    'x'.repeat(257),
    '__proto__',
    'a b',
  ),
  fc
    .tuple(
      fc.stringMatching(/^[a-z]{0,5}$/u),
      fc.constantFrom('/', '\\', '\0', '.', '..', '\n'),
      fc.stringMatching(/^[a-z]{0,5}$/u),
    )
    .map(([a, bad, b]) => `${a}${bad}${b}`),
);

/**
 * The behaviour every {@link ArtifactStorage} must have. Run it against each implementation:
 * `describeStorageConformance('memory', async () => …)`.
 */
export function describeStorageConformance(name: string, create: () => Promise<StorageUnderTest>): void {
  describe(`ArtifactStorage conformance: ${name}`, () => {
    let t: StorageUnderTest;
    beforeEach(async () => {
      t = await create();
    });
    afterEach(async () => {
      await t.cleanup?.();
    });

    it('gives back the bytes written, for any bytes and any valid ref id', async () => {
      await fc.assert(
        fc.asyncProperty(validIds, fc.uint8Array({ maxLength: 512 }), async (refId, bytes) => {
          const uri = await t.storage.write('run-1', refId, bytes);
          expect(await t.storage.read(uri)).toEqual(new Uint8Array(bytes));
        }),
        { numRuns: 150 },
      );
    });

    it('writes strings as UTF-8', async () => {
      const uri = await t.storage.write('run-1', 'derived_1', 'héllo ✓');
      expect(new TextDecoder().decode(await t.storage.read(uri))).toBe('héllo ✓');
    });

    it('never lets two distinct ref ids (or runs) collide', async () => {
      await fc.assert(
        fc.asyncProperty(fc.uniqueArray(validIds, { minLength: 2, maxLength: 8 }), validIds, async (refIds, runId) => {
          const uris = await Promise.all(refIds.map((ref) => t.storage.write(runId, ref, `content of ${ref}`)));
          expect(new Set(uris).size).toBe(refIds.length);
          for (const [i, ref] of refIds.entries())
            expect(new TextDecoder().decode(await t.storage.read(uris[i]))).toBe(`content of ${ref}`);
          const listed = await t.storage.list(runId);
          for (const [i, ref] of refIds.entries()) expect(listed.get(ref)).toBe(uris[i]);
        }),
        { numRuns: 60 },
      );
      const a = await t.storage.write('run-a', 'derived_1', 'a');
      const b = await t.storage.write('run-b', 'derived_1', 'b');
      expect(a).not.toBe(b);
      expect(new TextDecoder().decode(await t.storage.read(a))).toBe('a');
    });

    it('keeps ids that differ only in case apart', async () => {
      const lower = await t.storage.write('run-1', 'derived_x', 'lower');
      const upper = await t.storage.write('run-1', 'Derived_X', 'upper');
      expect(new TextDecoder().decode(await t.storage.read(lower))).toBe('lower');
      expect(new TextDecoder().decode(await t.storage.read(upper))).toBe('upper');
    });

    it('refuses unsafe ref ids and run ids with INVALID_ID, writing nothing', async () => {
      await fc.assert(
        fc.asyncProperty(unsafeIds, async (bad) => {
          expect((await rejection(t.storage.write('run-1', bad, 'x'))).code).toBe('INVALID_ID');
          expect((await rejection(t.storage.write(bad, 'derived_1', 'x'))).code).toBe('INVALID_ID');
        }),
        { numRuns: 100 },
      );
      expect([...(await t.storage.list('run-1')).keys()]).toEqual([]);
    });

    it('replaces an artifact written again under the same ref', async () => {
      const first = await t.storage.write('run-1', 'store_1', 'first');
      const second = await t.storage.write('run-1', 'store_1', 'second, longer');
      expect(second).toBe(first);
      expect(new TextDecoder().decode(await t.storage.read(first))).toBe('second, longer');
      expect([...(await t.storage.list('run-1')).keys()]).toEqual(['store_1']);
    });

    it('lists a run’s artifacts by ref id, and nothing for a run that wrote none', async () => {
      const one = await t.storage.write('run-1', 'derived_1', '1');
      const two = await t.storage.write('run-1', 'store_2', '2');
      await t.storage.write('run-2', 'derived_9', '9');
      expect(await t.storage.list('run-1')).toEqual(
        new Map([
          ['derived_1', one],
          ['store_2', two],
        ]),
      );
      expect((await t.storage.list('run-3')).size).toBe(0);
    });

    it('reads a file: source it did not write', async () => {
      expect(new TextDecoder().decode(await t.storage.read(await t.source('source bytes')))).toBe('source bytes');
    });

    it('answers ARTIFACT_NOT_FOUND for a URI of its own with nothing behind it, and for a missing file', async () => {
      const uri = await t.storage.write('run-1', 'derived_1', 'x');
      const missing = uri.replace(/derived_1$/u, 'derived_2');
      expect((await rejection(t.storage.read(missing))).code).toBe('ARTIFACT_NOT_FOUND');
      expect((await rejection(t.storage.read('file:///no/such/switchyard/artifact'))).code).toBe('ARTIFACT_NOT_FOUND');
    });

    it('answers ARTIFACT_INACCESSIBLE for another scheme or a string that is no URI', async () => {
      for (const uri of ['https://example.com/a.mp4', 's3://bucket/key', 'not a uri', ''])
        expect((await rejection(t.storage.read(uri))).code, uri).toBe('ARTIFACT_INACCESSIBLE');
    });

    it('refuses data that is neither a string nor bytes with INVALID_INPUT', async () => {
      expect((await rejection(t.storage.write('run-1', 'derived_1', 42 as never))).code).toBe('INVALID_INPUT');
    });
  });
}
