import { afterEach, beforeEach, expect, it } from 'vitest';
import { waitFor } from 'xstate';
import type { Dispatcher } from '../../src/actors/dispatcher.js';
import type { Scheduler } from '../../src/core/scheduler.js';
import { type Bus, dispatcherClient, type SwitchyardError, subjects } from '../../src/index.js';
import { registration, testDispatcher } from '../helpers/dispatcher-rig.js';

/** A bus for one test, the scheduler it and the dispatcher keep time on, and how to close it. */
export interface ClientTestBus {
  readonly bus: Bus;
  readonly scheduler: Scheduler;
  close(): Promise<void>;
}

/** The code a promise rejects with, or `resolved`. */
export const codeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'resolved',
    (error: SwitchyardError) => error.code,
  );

/**
 * What `dispatcherClient` must do over any bus: run inside a `describe`, once per bus. Each test
 * uses its own subject prefix, so tests on a shared server do not hear one another.
 */
export function dispatcherClientConformance(open: () => Promise<ClientTestBus>): void {
  let t: ClientTestBus;
  let dispatcher: Dispatcher;
  let prefix: string;
  let n = 0;

  beforeEach(async () => {
    t = await open();
    prefix = `dc${++n}x${process.pid}`;
    dispatcher = testDispatcher(t.bus, t.scheduler, { subjects: subjects(prefix) });
  });
  afterEach(async () => {
    dispatcher.close();
    await t.close();
  });

  async function register(id: string): Promise<void> {
    t.bus.publish(
      subjects(prefix).registered(id),
      registration(id, 3, { concurrency: 2, heartbeatMs: 60_000, subjects: subjects(prefix) }),
    );
    await waitFor(dispatcher.actor, (snap) => snap.context.runtimes.some((r) => r.runtime_id === id));
  }

  it('lists the registered runtimes and how many attempts wait', async () => {
    await register('rt-a');
    const client = dispatcherClient(t.bus, { subjects: subjects(prefix), timeoutMs: 5000 });
    expect(await client.runtimes()).toEqual({
      type: 'RuntimeList',
      runtimes: [
        {
          runtime_id: 'rt-a',
          agents: [{ agent_id: 'execution_agent', capabilities: ['CAP-PRE-*'] }],
          capacity: 3,
          concurrency: 2,
          in_flight: 0,
          draining: false,
        },
      ],
      queued: 0,
    });
  });

  it('drains and undrains a runtime through the dispatcher, and the actor snapshot shows it', async () => {
    await register('rt-a');
    const client = dispatcherClient(t.bus, { subjects: subjects(prefix), timeoutMs: 5000 });
    expect(await client.drain('rt-a')).toEqual({ type: 'DrainAccepted', runtime_id: 'rt-a', draining: true });
    expect(dispatcher.actor.getSnapshot().context.runtimes[0]?.draining).toBe(true);
    expect((await client.runtimes()).runtimes[0]?.draining).toBe(true);
    expect(await client.undrain('rt-a')).toEqual({ type: 'DrainAccepted', runtime_id: 'rt-a', draining: false });
    expect(dispatcher.actor.getSnapshot().context.runtimes[0]?.draining).toBe(false);
  });

  it('rejects RUNTIME_NOT_FOUND for a runtime the dispatcher has not registered', async () => {
    const client = dispatcherClient(t.bus, { subjects: subjects(prefix), timeoutMs: 5000 });
    expect(await codeOf(client.drain('rt-nope'))).toBe('RUNTIME_NOT_FOUND');
    expect(await codeOf(client.undrain('rt-nope'))).toBe('RUNTIME_NOT_FOUND');
  });

  it('rejects NO_RESPONDERS when no dispatcher listens under its prefix', async () => {
    const client = dispatcherClient(t.bus, { subjects: subjects(`${prefix}none`), timeoutMs: 5000 });
    expect(await codeOf(client.runtimes())).toBe('NO_RESPONDERS');
  });

  it('rejects PROCESSING_ERROR for a reply that is neither the answer nor an Error, or an Error with an unknown code', async () => {
    const other = subjects(`${prefix}fake`);
    const runtimesSub = t.bus.subscribe(other.dispatcherRuntimes(), (m) => t.bus.respond(m, { type: 'RuntimeList' }));
    const drainSub = t.bus.subscribe(other.dispatcherDrain(), (m) =>
      t.bus.respond(m, { type: 'Error', code: 'NOT_A_CODE', message: 'no' }),
    );
    try {
      await t.bus.flush();
      const client = dispatcherClient(t.bus, { subjects: other, timeoutMs: 5000 });
      expect(await codeOf(client.runtimes())).toBe('PROCESSING_ERROR');
      expect(await codeOf(client.drain('rt-a'))).toBe('PROCESSING_ERROR');
    } finally {
      runtimesSub.unsubscribe();
      drainSub.unsubscribe();
    }
  });

  it('answers a malformed request with an INVALID_INPUT Error, and stays up', async () => {
    const s = subjects(prefix);
    const reply = await t.bus.request(
      s.dispatcherDrain(),
      { type: 'DrainRuntime', runtime_id: 'rt-a' },
      { timeoutMs: 5000 },
    );
    expect(reply.data).toMatchObject({ type: 'Error', code: 'INVALID_INPUT' });
    expect(dispatcher.actor.getSnapshot().status).toBe('active');
    await register('rt-a');
    const client = dispatcherClient(t.bus, { subjects: s, timeoutMs: 5000 });
    expect((await client.runtimes()).runtimes).toHaveLength(1);
  });
}
