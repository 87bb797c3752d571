import { describe, expect, it } from 'vitest';
import { InProcessBus } from '../../src/bus/in-process-bus.js';
import { describeBusConformance } from './bus-conformance.js';

describeBusConformance('in-process', async () => {
  let now = 1_000_000;
  return { bus: new InProcessBus({ clock: () => now }), advance: (ms) => void (now += ms) };
});

describe('InProcessBus', () => {
  it('matches subjects past the bound of its split-subject cache, old ones and new alike', async () => {
    const bus = new InProcessBus({ historySize: 0 });
    const seen = new Map<string, number>();
    bus.subscribe('runs.*.step', (m) => void seen.set(m.subject, (seen.get(m.subject) ?? 0) + 1));
    bus.subscribe('runs.r1.>', (m) => void seen.set(`>${m.subject}`, (seen.get(`>${m.subject}`) ?? 0) + 1));
    // More distinct subjects than the cache keeps, with one subject published again throughout.
    for (let i = 0; i < 10_000; i++) {
      bus.publish(`runs.r${i}.step`, i);
      if (i % 1000 === 0) bus.publish('runs.r1.step', i);
    }
    await bus.flush();
    expect(seen.size).toBe(10_001);
    expect(seen.get('runs.r1.step')).toBe(11);
    expect(seen.get('>runs.r1.step')).toBe(11);
    expect(seen.get('runs.r9999.step')).toBe(1);
    await bus.close();
  });
});
