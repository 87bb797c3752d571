import { join, relative } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idProblem, MAX_ID_LENGTH } from '../../src/protocol/ids.js';
import { subjectTokenProblem } from '../../src/protocol/subjects.js';

const RESERVED = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);
/** The documented pattern, written out once more as a regular expression. */
const PATTERN = new RegExp(`^[^.*>\\s/\\\\\\p{Cc}\\p{Cs}]{1,${MAX_ID_LENGTH}}$`, 'u');

describe('idProblem: the one pattern of task, ref and run ids', () => {
  it.each([
    'task_1',
    'src_1',
    'store_2',
    'derived_3',
    'run-42',
    'A',
    'größe',
    '日本',
    'a:b',
    'end',
    'x'.repeat(MAX_ID_LENGTH),
  ])('accepts %j', (id) => {
    expect(idProblem(id)).toBeUndefined();
  });

  it.each([
    '',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    'a.b',
    '..',
    'a*',
    'a>b',
    'a b',
    'tab\there',
    'new\nline',
    'a/b',
    '/etc',
    'a\\b',
    'nul\u0000',
    'bell\u0007',
    'del\u007f',
    'lone\ud800',
    'x'.repeat(MAX_ID_LENGTH + 1),
  ])('refuses %j', (id) => {
    expect(idProblem(id)).toBeTypeOf('string');
  });

  it('agrees with the documented pattern on any string, and every id it accepts is safe as a key, a subject token and a file name', () => {
    const text = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.string({ unit: 'grapheme', maxLength: 6 }),
      fc.string({
        unit: fc.constantFrom('a', '_', '-', '1', '.', '/', '\\', ' ', '\u0000', '\ud800', '__proto__', 'constructor'),
        maxLength: 4,
      }),
    );
    fc.assert(
      fc.property(text, (id) => {
        const ok = idProblem(id) === undefined;
        expect(ok).toBe(PATTERN.test(id) && !RESERVED.has(id));
        if (!ok) return;
        expect(subjectTokenProblem(id)).toBeUndefined();
        const table: Record<string, number> = {};
        table[id] = 1;
        expect(Object.keys(table)).toEqual([id]);
        expect(relative('/base', join('/base', `${id}.json`))).toBe(`${id}.json`);
      }),
      { numRuns: 2000 },
    );
  });
});
