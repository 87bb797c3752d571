import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentIds } from '../../src/pool/recent-ids.js';

describe('RecentIds', () => {
  it('remembers at least the last `capacity` new ids, and never one it was not given', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 30 }).map(String), { maxLength: 200 }),
        (capacity, ids) => {
          const recent = new RecentIds(capacity);
          const given = new Set<string>();
          const fresh: string[] = [];
          for (const id of ids) {
            const added = recent.add(id);
            // A repeat within the window is refused; an id never given is always taken.
            if (fresh.slice(-capacity).includes(id)) expect(added).toBe(false);
            if (!given.has(id)) expect(added).toBe(true);
            if (added) fresh.push(id);
            given.add(id);
            for (const kept of fresh.slice(-capacity)) expect(recent.has(kept)).toBe(true);
          }
          expect(recent.has('never given')).toBe(false);
        },
      ),
    );
  });

  it('forgets ids once two generations have passed', () => {
    const recent = new RecentIds(2);
    for (const id of ['a', 'b', 'c', 'd', 'e']) recent.add(id);
    expect(recent.has('a')).toBe(false);
    expect(recent.add('a')).toBe(true);
  });

  it('takes an id again under another tag, and then knows it by the new tag only', () => {
    const recent = new RecentIds(2);
    expect(recent.add('run_1_1', 'T1')).toBe(true);
    expect(recent.add('run_1_1', 'T1')).toBe(false);
    expect(recent.add('run_1_1', 'T2')).toBe(true);
    expect(recent.has('run_1_1', 'T2')).toBe(true);
    expect(recent.has('run_1_1', 'T1')).toBe(false);
    // Across a change of generation too.
    recent.add('x', 'T');
    recent.add('y', 'T');
    expect(recent.add('run_1_1', 'T2')).toBe(false);
    expect(recent.add('run_1_1', 'T3')).toBe(true);
  });

  it('refuses a capacity that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new RecentIds(bad)).toThrow(RangeError);
  });
});
