import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { every, SimulatedScheduler, sleep, systemScheduler } from '../../src/core/scheduler.js';

describe('SimulatedScheduler', () => {
  it('fires timers in due order, then creation order, each seeing its due time', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 30 }), (delays) => {
        const time = new SimulatedScheduler(5_000);
        const fired: { index: number; at: number }[] = [];
        delays.forEach((ms, index) => time.setTimeout(() => fired.push({ index, at: time.now() }), ms));
        time.advance(1000);
        const expected = delays
          .map((ms, index) => ({ index, at: 5_000 + ms }))
          .sort((a, b) => a.at - b.at || a.index - b.index);
        expect(fired).toEqual(expected);
        expect(time.now()).toBe(6_000);
        expect(time.pending).toBe(0);
      }),
    );
  });

  it('fires nothing before it is due and keeps what is not yet due', () => {
    const time = new SimulatedScheduler();
    const fired: string[] = [];
    time.setTimeout(() => fired.push('a'), 100);
    time.setTimeout(() => fired.push('b'), 300);
    time.advance(99);
    expect(fired).toEqual([]);
    time.advance(1);
    expect(fired).toEqual(['a']);
    expect(time.pending).toBe(1);
    expect(time.nextDue).toBe(300);
  });

  it('fires a timer set by a firing timer when it falls inside the window', () => {
    const time = new SimulatedScheduler();
    const fired: number[] = [];
    time.setTimeout(() => {
      fired.push(time.now());
      time.setTimeout(() => fired.push(time.now()), 50);
    }, 100);
    time.advance(200);
    expect(fired).toEqual([100, 150]);
  });

  it('does not fire a cleared timer, and ignores clearing one twice', () => {
    const time = new SimulatedScheduler();
    let fired = false;
    const timer = time.setTimeout(() => (fired = true), 10);
    time.clearTimeout(timer);
    time.clearTimeout(timer);
    time.clearTimeout(undefined);
    time.advance(100);
    expect(fired).toBe(false);
  });

  it('advanceAsync sees a timer set in a promise continuation of an earlier timer', async () => {
    const time = new SimulatedScheduler();
    const fired: number[] = [];
    time.setTimeout(() => {
      void Promise.resolve().then(() => time.setTimeout(() => fired.push(time.now()), 10));
    }, 10);
    await time.advanceAsync(50);
    expect(fired).toEqual([20]);
  });

  it('sleep settles when time reaches it, and runNext moves time to the next timer', async () => {
    const time = new SimulatedScheduler(1_000);
    let woke = false;
    void sleep(time, 250).then(() => (woke = true));
    expect(await time.runNext()).toBe(true);
    expect(time.now()).toBe(1_250);
    expect(woke).toBe(true);
    expect(await time.runNext()).toBe(false);
  });

  it('every repeats until stopped', () => {
    const time = new SimulatedScheduler();
    const ticks: number[] = [];
    const stop = every(time, 100, () => ticks.push(time.now()));
    time.advance(350);
    stop();
    time.advance(1000);
    expect(ticks).toEqual([100, 200, 300]);
    expect(time.pending).toBe(0);
  });
});

describe('systemScheduler', () => {
  it('runs a timer on Node time and cancels one', async () => {
    let cancelledFired = false;
    const cancelled = systemScheduler.setTimeout(() => (cancelledFired = true), 0);
    systemScheduler.clearTimeout(cancelled);
    const before = systemScheduler.now();
    await new Promise<void>((resolve) => systemScheduler.setTimeout(resolve, 1, { background: true }));
    expect(systemScheduler.now()).toBeGreaterThanOrEqual(before);
    expect(cancelledFired).toBe(false);
  });
});
