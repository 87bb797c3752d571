import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import type { Dispatcher } from '../../src/actors/dispatcher.js';
import { SimulatedScheduler } from '../../src/core/scheduler.js';
import { type BusHandler, type BusMessage, InProcessBus, subjects } from '../../src/index.js';
import {
  AT,
  completed,
  type DispatcherRig,
  dispatcherRig,
  registration,
  testDispatcher,
  trigger,
} from '../helpers/dispatcher-rig.js';

const s = subjects();

describe('the dispatcher as an XState actor', () => {
  let t: DispatcherRig;
  let warnings: Array<{ msg: string; runtime_id?: string }>;
  let events: Array<{ type: string; kind?: string }>;

  /** Sends a trigger per id; where each went. */
  const send = async (...ids: string[]) => (await t.send(...ids)).map((r) => r.runtime_id);
  const context = () => t.dispatcher.actor.getSnapshot().context;
  const view = (id: string) => context().runtimes.find((r) => r.runtime_id === id);

  beforeEach(() => {
    warnings = [];
    events = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
    t = dispatcherRig({
      logger,
      inspect: (e: InspectionEvent) => {
        if (e.type === '@xstate.event' && e.actorRef === t?.dispatcher.actor)
          events.push(e.event as { type: string; kind?: string });
      },
    });
  });
  afterEach(() => t.close());

  it('starts active with an empty snapshot, shows each registered runtime, and ends in its final state closed', async () => {
    expect(t.dispatcher.actor.getSnapshot().value).toBe('active');
    expect(context()).toEqual({ runtimes: [], queued: 0 });
    t.runtime('rt-a', 2);
    await t.bus.flush();
    await send('1');
    expect(context()).toEqual({
      runtimes: [
        {
          runtime_id: 'rt-a',
          agents: [{ agent_id: 'execution_agent', capabilities: ['CAP-PRE-*'] }],
          capacity: 2,
          concurrency: 2,
          in_flight: 1,
          draining: false,
        },
      ],
      queued: 0,
    });
    t.dispatcher.close();
    const snapshot = t.dispatcher.actor.getSnapshot();
    expect(snapshot.value).toBe('closed');
    expect(snapshot.status).toBe('done');
  });

  it('takes what one turn of the bus brings as one event, batches of results included, and timer ticks as events', async () => {
    t.runtime('rt-a', 4);
    await t.bus.flush();
    await send('1', '2', '3');
    const before = events.filter((e) => e.type === 'inbox').length;
    // Three messages published together reach the dispatcher in one turn: one event, in arrival order.
    t.bus.publish(s.results('rt-a'), {
      type: 'AgentExecutionResultBatch',
      results: ['req-1', 'req-2'].map((id) => completed(id, 'rt-a')),
    });
    t.bus.publish(s.result('rt-a'), completed('req-3', 'rt-a'));
    t.bus.publish(s.dispatcherRuntimes(), {});
    await t.bus.flush();
    const inbox = events.filter((e) => e.type === 'inbox').slice(before);
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({
      deliveries: [
        { kind: 'result', message: { data: { type: 'AgentExecutionResultBatch' } } },
        { kind: 'result', message: { data: { request_id: 'req-3' } } },
        { kind: 'runtimes' },
      ],
    });
    expect(view('rt-a')?.in_flight).toBe(0);
    t.dispatcher.sweep();
    t.dispatcher.steal();
    expect(events.slice(-2).map((e) => e.type)).toEqual(['sweep', 'steal']);
  });

  it('keeps the snapshot runtime views while nothing they show changed, and replaces the one that did', async () => {
    t.runtime('rt-a', 2);
    t.runtime('rt-b', 2);
    await t.bus.flush();
    const first = context().runtimes;
    // A tick that moves nothing the snapshot shows: the same views, the same array.
    t.dispatcher.sweep();
    expect(context().runtimes).toBe(first);
    const [placed] = await send('1');
    const after = context().runtimes;
    expect(after).not.toBe(first);
    const moved = after.findIndex((r) => r.runtime_id === placed);
    expect(after[moved]?.in_flight).toBe(1);
    // The other runtime's view is the one from before.
    expect(after[1 - moved]).toBe(first[1 - moved]);
    expect(first.map((r) => r.in_flight)).toEqual([0, 0]);
  });

  it('refuses a delivery forged by code holding the actor: the own guard lets only its dispatcher send one', async () => {
    const forged = {
      subject: s.registered('rt-forged'),
      data: registration('rt-forged', 2),
      headers: {},
      priority: 0,
      seq: 1,
      publishedAt: 0,
    } satisfies BusMessage;
    const holder = t.dispatcher.actor as unknown as AnyActorRef;
    holder.send({ type: 'inbox', kind: 'definition', message: forged });
    holder.send({ type: 'inbox', kind: 'definition', message: forged, [Symbol('switchyard.dispatcher.own')]: true });
    holder.send({ type: 'close' });
    await t.bus.flush();
    expect(t.dispatcher.registry.get('rt-forged')).toBeUndefined();
    expect(context().runtimes).toEqual([]);
    expect(t.dispatcher.actor.getSnapshot().value).toBe('active');
    // The same registration through the bus is taken.
    t.bus.publish(s.registered('rt-forged'), registration('rt-forged', 2));
    await t.bus.flush();
    expect(t.dispatcher.registry.get('rt-forged')).toBeDefined();
  });

  it('places nothing new on a drained runtime while another takes the work, and its snapshot entry says draining', async () => {
    t.runtime('rt-a', 2);
    t.runtime('rt-b', 1);
    await t.bus.flush();
    t.dispatcher.actor.send({ type: 'drain', runtime_id: 'rt-a' });
    expect(view('rt-a')?.draining).toBe(true);
    expect(view('rt-b')?.draining).toBe(false);
    expect(await send('1', '2', '3')).toEqual(['rt-b', null, null]);
    expect(t.received.get('rt-a')).toEqual([]);
    expect(t.received.get('rt-b')).toEqual(['req-1']);
    // Still registered and serving: what nobody has room for waits instead of failing.
    expect(context().queued).toBe(2);
    expect(context().runtimes).toHaveLength(2);
  });

  it('resumes placing on an undrained runtime, which takes what waits at once', async () => {
    t.runtime('rt-a', 2);
    t.runtime('rt-b', 1);
    await t.bus.flush();
    t.dispatcher.actor.send({ type: 'drain', runtime_id: 'rt-a' });
    await send('1', '2', '3');
    t.dispatcher.actor.send({ type: 'undrain', runtime_id: 'rt-a' });
    await t.bus.flush();
    expect(t.received.get('rt-a')).toEqual(['req-2', 'req-3']);
    expect(view('rt-a')).toMatchObject({ draining: false, in_flight: 2 });
    expect(context().queued).toBe(0);
  });

  it('lets a drained runtime finish what it holds and takes its results', async () => {
    t.runtime('rt-a', 2);
    await t.bus.flush();
    await send('1');
    t.dispatcher.actor.send({ type: 'drain', runtime_id: 'rt-a' });
    const reply = await t.bus.request(
      s.results('rt-a'),
      { type: 'AgentExecutionResultBatch', results: [completed('req-1', 'rt-a')] },
      { timeoutMs: 1000 },
    );
    expect(reply.data).toMatchObject({ type: 'ResultsAccepted', count: 1 });
    expect(view('rt-a')).toMatchObject({ draining: true, in_flight: 0 });
  });

  it('keeps a drain across a refreshing registration, and ends it with a deregistration', async () => {
    t.runtime('rt-a', 2);
    await t.bus.flush();
    t.dispatcher.actor.send({ type: 'drain', runtime_id: 'rt-a' });
    t.bus.publish(s.registered('rt-a'), { ...registration('rt-a', 2), in_flight: [] });
    await t.bus.flush();
    expect(view('rt-a')?.draining).toBe(true);
    t.bus.publish(s.deregistered('rt-a'), {
      type: 'AgentRuntimeDeregistered',
      runtime_id: 'rt-a',
      reason: 'shutdown',
      at: AT,
    });
    t.runtime('rt-a', 2);
    await t.bus.flush();
    expect(view('rt-a')?.draining).toBe(false);
  });

  it('ignores a drain or undrain of an unknown runtime with a logged warning', async () => {
    t.runtime('rt-a', 1);
    await t.bus.flush();
    t.dispatcher.actor.send({ type: 'drain', runtime_id: 'rt-nope' });
    t.dispatcher.actor.send({ type: 'undrain', runtime_id: 'rt-nope' });
    expect(t.dispatcher.actor.getSnapshot().status).toBe('active');
    expect(warnings.filter((w) => w.runtime_id === 'rt-nope')).toHaveLength(2);
    expect(await send('1')).toEqual(['rt-a']);
  });
});

describe('a delivery raised while the dispatcher handles another', () => {
  it('is handled in place, before the outer one goes on, not queued behind it', async () => {
    const time = new SimulatedScheduler(0);
    const bus = new InProcessBus({ scheduler: time });
    // The dispatcher's own bus handlers, to call one synchronously from inside another delivery.
    const handlers = new Map<string, BusHandler>();
    const subscribe = bus.subscribe.bind(bus);
    bus.subscribe = ((pattern: string, handler: BusHandler, options?: object) => {
      handlers.set(pattern, handler);
      return subscribe(pattern, handler, options);
    }) as typeof bus.subscribe;
    const kinds: string[] = [];
    let ownerDuring: string | undefined;
    const dispatcher: Dispatcher = testDispatcher(bus, time, {
      // Asked while the registration naming req-old is handled (an action of the actor).
      staleAttempt: (id) => {
        if (id !== 'req-old') return false;
        void handlers.get(s.patterns.triggers())!({
          subject: s.trigger('wf', 'execution_agent'),
          data: trigger('1'),
          headers: {},
          priority: 0,
          seq: 1,
          publishedAt: 0,
        });
        ownerDuring = dispatcher.registry.owner('req-1');
        return false;
      },
      inspect: (e) => {
        if (e.type === '@xstate.event' && e.event.type === 'inbox')
          kinds.push(...(e.event as unknown as { deliveries: Array<{ kind: string }> }).deliveries.map((d) => d.kind));
      },
    });
    try {
      bus.publish(s.registered('rt-a'), { ...registration('rt-a', 2), in_flight: ['req-old'] });
      await bus.flush();
      expect(ownerDuring).toBe('rt-a');
      expect(kinds).toEqual(['definition']);
      expect(dispatcher.actor.getSnapshot().context.runtimes[0]?.in_flight).toBe(2);
    } finally {
      dispatcher.close();
      await bus.close();
    }
  });
});

describe('a delivery to the dispatcher whose handling throws', () => {
  it('is logged, the rest of its turn is still handled, and the actor stays active for what comes next', async () => {
    const time = new SimulatedScheduler(0);
    const errors: Array<{ msg: string; subject: string; err: { message: string } }> = [];
    const bus = new InProcessBus({ scheduler: time });
    const dispatcher = testDispatcher(bus, time, {
      logger: pino({ level: 'error' }, { write: (line: string) => void errors.push(JSON.parse(line)) }),
      staleAttempt: () => {
        throw new Error('staleAttempt broke');
      },
    });
    try {
      // In one turn: the registration whose handling throws, then another.
      bus.publish(s.registered('rt-a'), { ...registration('rt-a', 2), in_flight: ['req-old'] });
      bus.publish(s.registered('rt-b'), registration('rt-b', 2));
      await bus.flush();
      expect(errors).toMatchObject([
        {
          msg: 'a delivery to the dispatcher failed',
          subject: s.registered('rt-a'),
          err: { message: 'staleAttempt broke' },
        },
      ]);
      expect(dispatcher.actor.getSnapshot().status).toBe('active');
      expect(dispatcher.actor.getSnapshot().context.runtimes.map((r) => r.runtime_id)).toEqual(['rt-a', 'rt-b']);
      bus.publish(s.registered('rt-c'), registration('rt-c', 2));
      await bus.flush();
      expect(dispatcher.actor.getSnapshot().context.runtimes.map((r) => r.runtime_id)).toEqual([
        'rt-a',
        'rt-b',
        'rt-c',
      ]);
      expect(errors).toHaveLength(1);
    } finally {
      dispatcher.close();
      await bus.close();
    }
  });
});
