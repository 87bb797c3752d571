import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { subjects } from '../../src/index.js';
import { AT, type DispatcherRig, dispatcherRig, trigger } from '../helpers/dispatcher-rig.js';

const s = subjects();

describe('Dispatcher work stealing (held attempts of prefetching runtimes)', () => {
  let t: DispatcherRig;
  const placed: Array<{ request_id: string; runtime_id: string; rounds_ahead?: number }> = [];

  const giveBack = (runtimeId: string, ids: string[]) =>
    t.bus.publish(s.reclaimed(runtimeId), {
      type: 'AttemptsReclaimed',
      runtime_id: runtimeId,
      request_ids: ids,
      at: AT,
    });

  beforeEach(() => {
    placed.length = 0;
    t = dispatcherRig({ stealAfterMs: 20 });
    t.bus.subscribe(s.patterns.placed(), (m) => void placed.push(m.data as (typeof placed)[number]));
  });
  afterEach(() => t.close());

  it('places an attempt where it starts at once before where it would be held, and says how many rounds a held one waits', async () => {
    t.runtime('rt-a', 5, { concurrency: 1 });
    t.runtime('rt-b', 4, { concurrency: 4 });
    await t.bus.flush();
    const replies = await t.send('1', '2', '3', '4', '5', '6', '7');
    // From the third on, rt-a is the less loaded by capacity (1/5 against 1/4) but would only hold it: rt-b runs it at once.
    expect(replies.map((r) => r.runtime_id)).toEqual(['rt-a', 'rt-b', 'rt-b', 'rt-b', 'rt-b', 'rt-a', 'rt-a']);
    expect(replies.map((r) => r.rounds_ahead)).toEqual([undefined, undefined, undefined, undefined, undefined, 1, 2]);
  });

  it('asks back the latest attempt held by a busy runtime once another has had a slot free for stealAfterMs of simulated time, and places it there', async () => {
    t.runtime('rt-a', 3, { concurrency: 1 });
    t.runtime('rt-b', 3, { concurrency: 1 });
    await t.bus.flush();
    const replies = await t.send('1', '2', '3', '4', '5');
    expect(replies.map((r) => r.runtime_id)).toEqual(['rt-a', 'rt-b', 'rt-a', 'rt-b', 'rt-a']);
    expect(replies.map((r) => r.rounds_ahead)).toEqual([undefined, undefined, 1, 1, 2]);
    // rt-b finishes both of its attempts; rt-a still runs req-1 and holds req-3 and req-5.
    t.done('req-2');
    t.done('req-4');
    await t.bus.flush();
    // rt-b went idle at 0 while rt-a holds attempts: the steal is armed for 20, and fires then, not before.
    expect(t.time.nextDue).toBe(20);
    t.time.advance(19);
    await t.bus.flush();
    expect(t.reclaims.get('rt-a')).toEqual([]);
    t.time.advance(1);
    await t.bus.flush();
    // One slot free on rt-b: one attempt, the last placed (the last rt-a would start).
    expect(t.reclaims.get('rt-a')).toEqual([['req-5']]);
    // Asked already: neither the timer nor a steal by hand asks again.
    t.time.advance(1000);
    t.dispatcher.steal();
    await t.bus.flush();
    expect(t.reclaims.get('rt-a')).toHaveLength(1);
    giveBack('rt-a', ['req-5']);
    await t.bus.flush();
    expect(t.received.get('rt-b')).toEqual(['req-2', 'req-4', 'req-5']);
    expect(placed).toEqual([expect.objectContaining({ request_id: 'req-5', runtime_id: 'rt-b' })]);
    expect(placed[0].rounds_ahead).toBeUndefined();
    expect(t.dispatcher.registry.owner('req-5')).toBe('rt-b');
    expect([...t.dispatcher.registry.get('rt-a')!.inFlight]).toEqual(['req-1', 'req-3']);
  });

  it('moves nothing the holder kept (it had started it) and nothing twice when the report comes again', async () => {
    t.runtime('rt-a', 3, { concurrency: 1 });
    t.runtime('rt-b', 3, { concurrency: 1 });
    await t.bus.flush();
    await t.send('1', '2', '3', '4', '5');
    t.done('req-2');
    t.done('req-4');
    await t.bus.flush();
    t.time.advance(100);
    await t.bus.flush();
    expect(t.reclaims.get('rt-a')).toEqual([['req-5']]);
    // req-5 had started: the holder reports nothing. Its result frees the ask, so the next idle spell may ask again.
    t.done('req-5');
    await t.bus.flush();
    t.time.advance(100);
    await t.bus.flush();
    expect(t.reclaims.get('rt-a')).toEqual([['req-5'], ['req-3']]);
    giveBack('rt-a', ['req-3']);
    giveBack('rt-a', ['req-3']);
    await t.bus.flush();
    expect(t.received.get('rt-b')).toEqual(['req-2', 'req-4', 'req-3']);
    expect(placed.filter((p) => p.request_id === 'req-3')).toHaveLength(1);
    expect(t.dispatcher.registry.get('rt-b')!.inFlight.size).toBe(1);
  });

  it('answers a malformed AttemptsReclaimed with INVALID_INPUT and moves nothing', async () => {
    t.runtime('rt-a', 3, { concurrency: 1 });
    t.runtime('rt-b', 3, { concurrency: 1 });
    await t.bus.flush();
    await t.send('1', '2', '3');
    const reply = await t.bus.request(
      s.reclaimed('rt-a'),
      { type: 'AttemptsReclaimed', runtime_id: 'rt-a', request_ids: 'req-3', at: AT },
      { timeoutMs: 1000 },
    );
    await t.bus.flush();
    expect(reply.data).toMatchObject({ type: 'Error', code: 'INVALID_INPUT' });
    expect(t.dispatcher.registry.owner('req-3')).toBe('rt-a');
    expect(placed).toEqual([]);
  });

  it('steals only what the idle runtime serves, and never from a runtime that does not say it holds attempts', async () => {
    t.runtime('rt-a', 4, { concurrency: 1, capabilities: ['CAP-PRE-*', 'CAP-VIS-*'] });
    t.runtime('rt-b', 4, { concurrency: 1, capabilities: ['CAP-PRE-*'] });
    t.runtime('rt-old', 1, { concurrency: 1, capabilities: ['CAP-VIS-*'] });
    await t.bus.flush();
    const replies = [];
    for (const [id, cap] of [
      ['1', 'CAP-VIS-001'],
      ['2', 'CAP-VIS-001'],
      ['3', 'CAP-VIS-001'],
    ] as const) {
      replies.push(
        (await t.bus.request(s.trigger('wf', 'execution_agent'), trigger(id, cap), { timeoutMs: 1000 })).data as {
          runtime_id: string;
        },
      );
    }
    await t.bus.flush();
    expect(replies.map((r) => r.runtime_id)).toEqual(['rt-a', 'rt-old', 'rt-a']);
    t.time.advance(1000);
    t.dispatcher.steal();
    await t.bus.flush();
    // rt-b is idle but serves no CAP-VIS; rt-old holds nothing (capacity = concurrency).
    expect(t.reclaims.get('rt-a')).toEqual([]);
    expect(t.reclaims.get('rt-old')).toEqual([]);
  });

  it('never steals for a drained runtime, and does once it is undrained', async () => {
    t.runtime('rt-a', 3, { concurrency: 1 });
    t.runtime('rt-b', 3, { concurrency: 1 });
    await t.bus.flush();
    await t.send('1', '2', '3', '4', '5');
    t.dispatcher.actor.send({ type: 'drain', runtime_id: 'rt-b' });
    t.done('req-2');
    t.done('req-4');
    await t.bus.flush();
    // rt-b has both slots free and rt-a holds req-3 and req-5, but rt-b is drained: nothing is asked back for it.
    t.time.advance(1000);
    t.dispatcher.steal();
    await t.bus.flush();
    expect(t.reclaims.get('rt-a')).toEqual([]);
    t.dispatcher.actor.send({ type: 'undrain', runtime_id: 'rt-b' });
    t.time.advance(20);
    await t.bus.flush();
    expect(t.reclaims.get('rt-a')).toEqual([['req-5']]);
  });
});
