import { describe, expect, it } from 'vitest';
import { behind } from '../../src/store/sqlite-writer.js';

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
