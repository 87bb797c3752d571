import { describe, expect, it } from 'vitest';
import type { Bus, BusMessage } from '../../src/bus/bus.js';
import { InProcessBus } from '../../src/bus/in-process-bus.js';
import { SimulatedScheduler } from '../../src/core/scheduler.js';
import { type Delivery, TurnInbox } from '../../src/actors/turn-inbox.js';

/** A message as a bus would deliver it, for pushing into an inbox by hand. */
const message = (data: number): BusMessage => ({
  subject: 'x.a',
  data,
  headers: {},
  priority: 0,
  seq: data,
  publishedAt: 0,
});

/** What an actor behind a TurnInbox saw: each batch as `kind:data` strings. */
function actorOn(bus: Bus) {
  const batches: string[][] = [];
  const inbox = new TurnInbox<'a' | 'b'>(bus, (batch: ReadonlyArray<Delivery<'a' | 'b'>>) =>
    batches.push(batch.map((d) => `${d.kind}:${String(d.message.data)}`)),
  );
  return { batches, inbox };
}

describe('TurnInbox on the in-process bus', () => {
  it('hands over what one delivery turn brings as one batch, in arrival order, and flush waits for it', async () => {
    const bus = new InProcessBus({ scheduler: new SimulatedScheduler(0) });
    const { batches, inbox } = actorOn(bus);
    bus.subscribe('x.a', (m) => inbox.push('a', m));
    bus.subscribe('x.b', (m) => inbox.push('b', m));
    bus.publish('x.a', 1);
    bus.publish('x.b', 2);
    bus.publish('x.a', 3);
    await bus.flush();
    expect(batches).toEqual([['a:1', 'b:2', 'a:3']]);
    await bus.close();
  });

  it('takes in the same batch what other handlers publish during the turn, and what it publishes is delivered in that turn', async () => {
    const bus = new InProcessBus({ scheduler: new SimulatedScheduler(0) });
    const seen: string[] = [];
    const batches: string[][] = [];
    const inbox = new TurnInbox<'a'>(bus, (batch) => {
      batches.push(batch.map((d) => String(d.message.data)));
      // The actor answers: the answer reaches its subscriber before the turn ends.
      bus.publish('reply', batch.length);
    });
    bus.subscribe('x.a', (m) => inbox.push('a', m));
    // A relay: what it gets is passed on to the actor within the same turn.
    bus.subscribe('relay', (m) => bus.publish('x.a', `relayed-${String(m.data)}`));
    bus.subscribe('reply', (m) => void seen.push(`reply:${String(m.data)}`));
    bus.publish('x.a', 'direct');
    bus.publish('relay', 'r');
    // Runs in the event loop's next turn after the bus's own: the reply must be in before it.
    const nextTurn = new Promise<void>((resolve) => setImmediate(() => resolve(void seen.push('next turn'))));
    await bus.flush();
    await nextTurn;
    expect(batches).toEqual([['direct', 'relayed-r']]);
    expect(seen).toEqual(['reply:2', 'next turn']);
    await bus.close();
  });

  it('hands over at once on flush, so an event from elsewhere comes after every delivery before it', async () => {
    const bus = new InProcessBus({ scheduler: new SimulatedScheduler(0) });
    const order: string[] = [];
    const inbox = new TurnInbox<'a'>(bus, (batch) =>
      order.push(...batch.map((d) => `delivery:${String(d.message.data)}`)),
    );
    inbox.push('a', message(1));
    inbox.push('a', message(2));
    expect(inbox.empty).toBe(false);
    // A timer tick, say: the actor's own event goes after what arrived first.
    inbox.flush();
    order.push('tick');
    inbox.push('a', message(3));
    await bus.flush();
    expect(order).toEqual(['delivery:1', 'delivery:2', 'tick', 'delivery:3']);
    expect(inbox.empty).toBe(true);
    await bus.close();
  });
});

describe('TurnInbox end-of-turn order', () => {
  it('runs one inbox at a time, so a later one takes what an earlier one published in the same batch', async () => {
    const bus = new InProcessBus({ scheduler: new SimulatedScheduler(0) });
    const batches: string[][] = [];
    // Like the dispatcher: its flush comes first and publishes (a placement) to the second actor.
    const first = new TurnInbox<'a'>(bus, (batch) => {
      batches.push(batch.map((d) => `first:${String(d.message.data)}`));
      bus.publish('to-second', 'placed');
    });
    // Like a run: its batch holds its own delivery of the turn and what the first published.
    const second = new TurnInbox<'a'>(bus, (batch) =>
      batches.push(batch.map((d) => `second:${String(d.message.data)}`)),
    );
    bus.subscribe('both', (m) => first.push('a', m));
    bus.subscribe('both', (m) => second.push('a', m));
    bus.subscribe('to-second', (m) => second.push('a', m));
    bus.publish('both', 'result');
    await bus.flush();
    expect(batches).toEqual([['first:result'], ['second:result', 'second:placed']]);
    await bus.close();
  });
});

describe('TurnInbox on a bus without delivery turns', () => {
  it('hands over on a microtask what arrived synchronously', async () => {
    // Only `afterQueued` is read from the bus; a bus without it (as the NATS bus) gets a microtask.
    const bus = {} as Bus;
    const { batches, inbox } = actorOn(bus);
    inbox.push('a', message(1));
    inbox.push('b', message(2));
    expect(batches).toEqual([]);
    await Promise.resolve();
    expect(batches).toEqual([['a:1', 'b:2']]);
  });
});
