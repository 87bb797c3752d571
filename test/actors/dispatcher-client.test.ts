import { describe, expect, it } from 'vitest';
import { SimulatedScheduler } from '../../src/core/scheduler.js';
import { dispatcherClient, InProcessBus, subjects } from '../../src/index.js';
import { thrown } from '../helpers/errors.js';
import { codeOf, dispatcherClientConformance } from './dispatcher-client-suite.js';

describe('dispatcherClient over the in-process bus', () => {
  dispatcherClientConformance(async () => {
    const scheduler = new SimulatedScheduler(0);
    const bus = new InProcessBus({ scheduler });
    return { bus, scheduler, close: () => bus.close() };
  });
});

describe('dispatcherClient timeouts', () => {
  it('rejects REQUEST_TIMEOUT once timeoutMs of simulated time pass without a reply, and not before', async () => {
    const time = new SimulatedScheduler(0);
    const bus = new InProcessBus({ scheduler: time });
    const s = subjects('silent');
    bus.subscribe(s.dispatcherRuntimes(), () => undefined);
    try {
      const client = dispatcherClient(bus, { subjects: s, timeoutMs: 250 });
      let settled = false;
      const answer = codeOf(client.runtimes()).finally(() => (settled = true));
      await bus.flush();
      time.advance(249);
      await bus.flush();
      expect(settled).toBe(false);
      time.advance(1);
      expect(await answer).toBe('REQUEST_TIMEOUT');
    } finally {
      await bus.close();
    }
  });

  it('refuses a timeoutMs that is not above 0 with INVALID_INPUT', () => {
    const bus = new InProcessBus();
    expect(thrown(() => dispatcherClient(bus, { timeoutMs: 0 })).code).toBe('INVALID_INPUT');
  });
});
