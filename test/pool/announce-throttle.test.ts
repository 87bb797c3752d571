import { describe, expect, it } from 'vitest';
import { SimulatedScheduler } from '../../src/core/scheduler.js';
import { AnnounceThrottle } from '../../src/pool/announce-throttle.js';

describe('AnnounceThrottle', () => {
  it('answers the first ask at once, and a flood of asks within the gap once, when the gap ends', () => {
    const time = new SimulatedScheduler(1_000);
    const answered: number[] = [];
    const throttle = new AnnounceThrottle(time, 100, () => answered.push(time.now()));
    throttle.ask();
    expect(answered).toEqual([1_000]);
    time.advance(30);
    for (let i = 0; i < 50; i++) throttle.ask();
    expect(answered).toEqual([1_000]);
    expect(time.pending).toBe(1);
    time.advance(69);
    expect(answered).toEqual([1_000]);
    time.advance(1);
    expect(answered).toEqual([1_000, 1_100]);
    // Past the gap, an ask is answered at once again.
    time.advance(250);
    throttle.ask();
    expect(answered).toEqual([1_000, 1_100, 1_350]);
  });

  it('answers nothing more once stopped', () => {
    const time = new SimulatedScheduler(0);
    let answers = 0;
    const throttle = new AnnounceThrottle(time, 100, () => answers++);
    throttle.ask();
    throttle.ask();
    throttle.stop();
    time.advance(1_000);
    expect(answers).toBe(1);
    expect(time.pending).toBe(0);
  });
});
