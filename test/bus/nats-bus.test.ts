import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedScheduler } from '../../src/core/scheduler.js';
import { natsBus } from '../../src/nats.js';
import { startNatsServer, type TestNatsServer, testNats } from '../helpers/nats-server.js';
import { describeBusConformance } from './bus-conformance.js';

let server: { url: string; stop(): Promise<void> };
beforeAll(async () => {
  server = await testNats();
});
afterAll(async () => {
  await server.stop();
});

describeBusConformance('NATS', async () => {
  const time = new SimulatedScheduler(1_000_000);
  const bus = await natsBus({ servers: server.url, scheduler: time });
  return { bus, advance: (ms) => time.advance(ms), settle: () => bus.roundTrip() };
});

describe('NATS bus, own and other processes', () => {
  it('hands its own publications to its own subscribers once, and to other buses through the server', async () => {
    const a = await natsBus({ servers: server.url });
    const b = await natsBus({ servers: server.url });
    try {
      const seenA: unknown[] = [];
      const seenB: unknown[] = [];
      a.subscribe('own.x', (m) => void seenA.push(m.data));
      b.subscribe('own.x', (m) => void seenB.push(m.data));
      await a.roundTrip();
      await b.roundTrip();
      for (let i = 0; i < 3; i++) a.publish('own.x', i);
      await a.flush();
      await b.flush();
      expect(seenA).toEqual([0, 1, 2]);
      expect(seenB).toEqual([0, 1, 2]);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('answers a request from whichever process replies: a responder here, or one in another process', async () => {
    const a = await natsBus({ servers: server.url });
    const b = await natsBus({ servers: server.url });
    try {
      a.subscribe('svc.here', (m) => a.respond(m, 'from a'));
      b.subscribe('svc.there', (m) => b.respond(m, 'from b'));
      // An observer here that never answers does not keep the other process's answer away.
      a.subscribe('svc.>', () => undefined);
      await a.roundTrip();
      await b.roundTrip();
      expect((await a.request('svc.here', 1, { timeoutMs: 2000 })).data).toBe('from a');
      expect((await a.request('svc.there', 1, { timeoutMs: 2000 })).data).toBe('from b');
      expect((await b.request('svc.here', 1, { timeoutMs: 2000 })).data).toBe('from a');
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('NATS bus, messages over the server max_payload', () => {
  it('delivers one to its own subscribers, and refuses one that only other processes could read', async () => {
    const bus = await natsBus({ servers: server.url });
    try {
      const big = 'x'.repeat(2 * 1024 * 1024);
      const seen: number[] = [];
      bus.subscribe('big.here', (m) => void seen.push((m.data as string).length));
      bus.publish('big.here', big);
      await bus.flush();
      expect(seen).toEqual([big.length]);
      expect(() => bus.publish('big.elsewhere', big)).toThrow(
        expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('max_payload') }),
      );
    } finally {
      await bus.close();
    }
  });
});

describe('NATS bus connection', () => {
  it('refuses bad options naming the field, and an unreachable server with CONNECTION_FAILED', async () => {
    await expect(natsBus({ servers: [] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(natsBus({ maxReconnectAttempts: -5 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('maxReconnectAttempts'),
    });
    await expect(natsBus({ tls: { caFile: '/nonexistent/ca.pem' } })).rejects.toMatchObject({ code: 'FILE_ERROR' });
    await expect(natsBus({ servers: 'nats://127.0.0.1:1', timeoutMs: 500, reconnect: false })).rejects.toMatchObject({
      code: 'CONNECTION_FAILED',
      message: expect.stringContaining('nats://127.0.0.1:1'),
    });
  });

  describe('across a server restart', () => {
    let own: TestNatsServer;
    beforeAll(async () => {
      own = await startNatsServer();
    });
    afterAll(async () => {
      await own.stop();
    });

    it('reports the disconnect and the reconnect, and delivers again once back', async () => {
      const a = await natsBus({ servers: own.url, reconnectTimeWait: 50 });
      const b = await natsBus({ servers: own.url, reconnectTimeWait: 50 });
      const events: string[] = [];
      a.onConnection((e) => events.push(e));
      const seen: unknown[] = [];
      b.subscribe('after.restart', (m) => void seen.push(m.data));
      await own.restart();
      await expect.poll(() => events, { timeout: 10_000 }).toEqual(['disconnected', 'reconnected']);
      // b's subscription is back too (the client resubscribes); a publishes once it sees it.
      await expect
        .poll(
          async () => {
            a.publish('after.restart', 'hello');
            await a.flush();
            await b.flush();
            return seen.length;
          },
          { timeout: 10_000, interval: 100 },
        )
        .toBeGreaterThan(0);
      expect(seen[0]).toBe('hello');
      await a.close();
      await b.close();
    });
  });
});
