import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, BusMessage } from '../../src/bus/bus.js';
import type { SwitchyardError } from '../../src/index.js';

/** What an implementation under test provides. */
export interface BusUnderTest {
  readonly bus: Bus;
  /**
   * Moves the bus's scheduler forward (a `SimulatedScheduler`): expiry, and the timeout of a
   * request the bus times itself, fire on this time and never on the wall clock's.
   */
  advance(ms: number): void;
  /**
   * Resolves once what was published so far has reached the subscribers' mailboxes (not
   * necessarily their handlers): nothing for an in-process bus, a server round trip over a network.
   */
  settle?(): Promise<void>;
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

/**
 * The behaviour every {@link Bus} must have. Run it against each implementation:
 * `describeBusConformance('in-process', async () => …)`.
 */
export function describeBusConformance(name: string, create: () => Promise<BusUnderTest>): void {
  describe(`Bus conformance: ${name}`, () => {
    let t: BusUnderTest;
    beforeEach(async () => {
      t = await create();
    });
    afterEach(async () => {
      await t.bus.close();
      await t.cleanup?.();
    });

    it('delivers by subject with * (one token) and > (the rest)', async () => {
      const got: Record<string, string[]> = { exact: [], star: [], tail: [] };
      t.bus.subscribe('a.b.c', (m) => void got.exact.push(m.subject));
      t.bus.subscribe('a.*.c', (m) => void got.star.push(m.subject));
      t.bus.subscribe('a.>', (m) => void got.tail.push(m.subject));
      for (const s of ['a.b.c', 'a.x.c', 'a.b', 'a.b.c.d', 'b.b.c']) t.bus.publish(s, s);
      await t.bus.flush();
      expect(got.exact).toEqual(['a.b.c']);
      expect(got.star).toEqual(['a.b.c', 'a.x.c']);
      expect(got.tail).toEqual(['a.b.c', 'a.x.c', 'a.b', 'a.b.c.d']);
    });

    it('keeps publication order per subscriber and carries data and headers', async () => {
      const seen: BusMessage[] = [];
      t.bus.subscribe('q.>', (m) => void seen.push(m));
      for (let i = 0; i < 20; i++) t.bus.publish(`q.${i % 3}`, { i }, { headers: { n: String(i) } });
      await t.bus.flush();
      expect(seen.map((m) => (m.data as { i: number }).i)).toEqual([...Array(20).keys()]);
      expect(seen[5].headers.n).toBe('5');
    });

    it('hands a subscriber one message at a time (a mailbox), higher priority first', async () => {
      const order: number[] = [];
      let active = 0;
      let maxActive = 0;
      let started!: () => void;
      const firstStarted = new Promise<void>((r) => (started = r));
      let release!: () => void;
      const released = new Promise<void>((r) => (release = r));
      t.bus.subscribe('work', async (m) => {
        active++;
        maxActive = Math.max(maxActive, active);
        if (m.data === 'first') {
          started();
          await released;
        }
        await new Promise((r) => setImmediate(r));
        order.push(m.priority);
        active--;
      });
      t.bus.publish('work', 'first', { priority: 0 });
      await firstStarted;
      // While the first is being handled, the rest queue up in the mailbox.
      for (const p of [1, 5, 3, 5]) t.bus.publish('work', p, { priority: p });
      await t.settle?.();
      release();
      await t.bus.flush();
      expect(maxActive).toBe(1);
      expect(order).toEqual([0, 5, 5, 3, 1]);
    });

    it('drops messages that expire before delivery and counts them', async () => {
      const seen: unknown[] = [];
      t.bus.subscribe('slow', async (m) => {
        seen.push(m.data);
        if (m.data === 'block') t.advance(1000);
      });
      t.bus.publish('slow', 'block');
      t.bus.publish('slow', 'stale', { ttlMs: 500 });
      t.bus.publish('slow', 'fresh', { ttlMs: 5000 });
      await t.bus.flush();
      expect(seen).toEqual(['block', 'fresh']);
      expect(t.bus.counters().expired).toBe(1);
    });

    it('answers a request with the first reply', async () => {
      t.bus.subscribe('svc.echo', (m) => t.bus.respond(m, { echo: m.data }));
      const reply = await t.bus.request('svc.echo', 'hi', { timeoutMs: 2000 });
      expect(reply.data).toEqual({ echo: 'hi' });
    });

    it('rejects a request nobody listens to with NO_RESPONDERS at once, and a silent one with REQUEST_TIMEOUT when its time is up, not before', async () => {
      expect((await rejection(t.bus.request('nobody.home', 1, { timeoutMs: 60_000 }))).code).toBe('NO_RESPONDERS');
      t.bus.subscribe('svc.silent', () => undefined);
      let settled = false;
      const silent = rejection(t.bus.request('svc.silent', 1, { timeoutMs: 30 })).finally(() => (settled = true));
      await t.bus.flush();
      t.advance(29);
      await t.bus.flush();
      expect(settled).toBe(false);
      t.advance(1);
      expect((await silent).code).toBe('REQUEST_TIMEOUT');
      const c = t.bus.counters();
      expect([c.requests, c.noResponders, c.requestTimeouts]).toEqual([2, 1, 1]);
    });

    it('spreads a queue group round robin while plain subscribers get everything', async () => {
      const a: number[] = [];
      const b: number[] = [];
      const all: number[] = [];
      t.bus.subscribe('jobs', (m) => void a.push(m.data as number), { queue: 'workers' });
      t.bus.subscribe('jobs', (m) => void b.push(m.data as number), { queue: 'workers' });
      t.bus.subscribe('jobs', (m) => void all.push(m.data as number));
      for (let i = 0; i < 6; i++) t.bus.publish('jobs', i);
      await t.bus.flush();
      expect([...a, ...b].sort()).toEqual([0, 1, 2, 3, 4, 5]);
      expect(a.length).toBe(3);
      expect(all).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it('replays history to a late subscriber that asks for it', async () => {
      t.bus.publish('ev.1', 'one');
      t.bus.publish('ev.2', 'two');
      t.bus.publish('other', 'x');
      await t.bus.flush();
      const late: unknown[] = [];
      t.bus.subscribe('ev.*', (m) => void late.push(m.data), { replay: true });
      const fresh: unknown[] = [];
      t.bus.subscribe('ev.*', (m) => void fresh.push(m.data));
      t.bus.publish('ev.3', 'three');
      await t.bus.flush();
      expect(late).toEqual(['one', 'two', 'three']);
      expect(fresh).toEqual(['three']);
    });

    it('survives a handler that throws, counting it', async () => {
      const seen: unknown[] = [];
      t.bus.subscribe('x', (m) => {
        if (m.data === 'bad') throw new Error('boom');
        seen.push(m.data);
      });
      t.bus.publish('x', 'bad');
      t.bus.publish('x', 'good');
      await t.bus.flush();
      expect(seen).toEqual(['good']);
      expect(t.bus.counters().handlerErrors).toBe(1);
    });

    it('stops delivering after unsubscribe', async () => {
      const seen: unknown[] = [];
      const sub = t.bus.subscribe('u', (m) => void seen.push(m.data));
      t.bus.publish('u', 1);
      await t.bus.flush();
      sub.unsubscribe();
      t.bus.publish('u', 2);
      await t.bus.flush();
      expect(seen).toEqual([1]);
      expect(t.bus.counters().subscriptions).toBe(0);
    });

    it('refuses malformed subjects and patterns with INVALID_ID', () => {
      for (const bad of ['', 'a..b', 'a.*', 'a.>', 'a b'])
        expect(() => t.bus.publish(bad, 1)).toThrow(expect.objectContaining({ code: 'INVALID_ID' }));
      for (const bad of ['a.>.b', 'a.b*', ''])
        expect(() => t.bus.subscribe(bad, () => undefined)).toThrow(expect.objectContaining({ code: 'INVALID_ID' }));
    });

    it('rejects pending requests with CLOSED when closed, and refuses use afterwards', async () => {
      t.bus.subscribe('svc.never', () => undefined);
      const pending = rejection(t.bus.request('svc.never', 1, { timeoutMs: 60_000 }));
      await t.bus.close();
      expect((await pending).code).toBe('CLOSED');
      expect(() => t.bus.publish('a', 1)).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    });
  });
}
