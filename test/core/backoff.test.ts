import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, backoffProblem } from '../../src/core/backoff.js';

const options = fc.record({
  initialMs: fc.integer({ min: 0, max: 10_000 }),
  factor: fc.double({ min: 1, max: 4, noNaN: true }),
  extraMs: fc.integer({ min: 0, max: 60_000 }),
  jitter: fc.double({ min: 0, max: 1, noNaN: true }),
});

describe('backoffDelay', () => {
  it('doubles from 100 ms up to 5 s by default', () => {
    expect([0, 1, 2, 5, 6, 20].map((retry) => backoffDelay(retry))).toEqual([100, 200, 400, 3200, 5000, 5000]);
  });

  it('never waits longer than maxMs nor less than (1 − jitter) of the capped wait', () => {
    fc.assert(
      fc.property(options, fc.nat(40), fc.double({ min: 0, max: 0.999, noNaN: true }), (o, retry, r) => {
        const maxMs = o.initialMs + o.extraMs;
        const capped = Math.min(maxMs, o.initialMs * o.factor ** retry);
        const wait = backoffDelay(retry, { ...o, maxMs }, () => r);
        expect(wait).toBeLessThanOrEqual(Math.ceil(capped));
        expect(wait).toBeGreaterThanOrEqual(Math.floor(capped * (1 - o.jitter)));
        expect(backoffProblem({ ...o, maxMs })).toBeUndefined();
      }),
    );
  });

  it('never shrinks from one retry to the next without jitter', () => {
    fc.assert(
      fc.property(options, fc.nat(40), (o, retry) => {
        const at = (n: number) => backoffDelay(n, { ...o, maxMs: o.initialMs + o.extraMs, jitter: 0 });
        expect(at(retry + 1)).toBeGreaterThanOrEqual(at(retry));
      }),
    );
  });

  it('replays the same waits from the same random source', () => {
    const seeded = () => {
      let s = 42;
      return () => ((s = (s * 16807) % 2147483647) - 1) / 2147483646;
    };
    const a = seeded();
    const b = seeded();
    const waits = (random: () => number) => [0, 1, 2, 3].map((n) => backoffDelay(n, { jitter: 0.5 }, random));
    expect(waits(a)).toEqual(waits(b));
  });
});

describe('backoffProblem', () => {
  it.each([
    [{ initialMs: -1 }, 'initialMs'],
    [{ factor: 0.5 }, 'factor'],
    [{ initialMs: 500, maxMs: 100 }, 'maxMs'],
    [{ jitter: 2 }, 'jitter'],
    [{ initialMs: Number.NaN }, 'initialMs'],
  ])('names the offending option in %o', (bad, name) => {
    expect(backoffProblem(bad)).toContain(`\`${name}\``);
  });
});
