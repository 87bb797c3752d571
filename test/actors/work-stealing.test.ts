import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dispatcher } from '../../src/actors/dispatcher.js';
import { SimulatedScheduler } from '../../src/core/scheduler.js';
import {
  type AgentExecutionResult,
  type BusMessage,
  type Dispatch,
  InProcessBus,
  subjects,
  type TriggerAgent,
} from '../../src/index.js';

const s = subjects();
const AT = '2026-02-21T10:00:00Z';

function trigger(id: string, capability = 'CAP-PRE-001'): TriggerAgent {
  const dispatch: Dispatch = {
    task_id: `task_${id}`,
    action: 'x',
    capability_ids: [capability],
    input_refs_resolved: [],
    output_refs_expected: [],
    execution_group: 1,
    attempt: 1,
    workflow_progress: { total_tasks: 1, completed: 0, in_progress: 1, pending: 0, failed: 0 },
  };
  return {
    type: 'TriggerAgent',
    request_id: `req-${id}`,
    workflow_id: 'wf',
    agent_id: 'execution_agent',
    task_id: `task_${id}`,
    attempt: 1,
    dispatch,
    at: AT,
  };
}

describe('Dispatcher work stealing (held attempts of prefetching runtimes)', () => {
  let time: SimulatedScheduler;
  let bus: InProcessBus;
  let dispatcher: Dispatcher;
  const received = new Map<string, string[]>();
  const reclaims = new Map<string, string[][]>();
  const placed: Array<{ request_id: string; runtime_id: string; rounds_ahead?: number }> = [];

  /** A fake runtime that runs `concurrency` at once and holds the rest of `capacity`; records what it is handed and asked back. */
  function runtime(id: string, capacity: number, concurrency: number, capabilities = ['CAP-PRE-*']) {
    received.set(id, []);
    reclaims.set(id, []);
    bus.subscribe(
      s.execute(id),
      (m: BusMessage) =>
        void received.get(id)!.push(...(m.data as { triggers: TriggerAgent[] }).triggers.map((t) => t.request_id)),
    );
    bus.subscribe(
      s.reclaim(id),
      (m: BusMessage) => void reclaims.get(id)!.push((m.data as { request_ids: string[] }).request_ids),
    );
    bus.publish(s.registered(id), {
      type: 'AgentRuntimeRegistered',
      runtime_id: id,
      agents: [{ agent_id: 'execution_agent', capabilities }],
      capacity,
      concurrency,
      heartbeat_interval_ms: 100,
      subjects: [s.execute(id)],
      at: AT,
    });
  }
  /** The result of an attempt, as its runtime sends it: on its own results subject, naming the attempt's run, task and number. */
  const done = (
    requestId: string,
    runtimeId = [...received].find(([, ids]) => ids.includes(requestId))?.[0] ?? 'rt-a',
  ) => {
    const result: AgentExecutionResult = {
      type: 'AgentExecutionResult',
      request_id: requestId,
      workflow_id: 'wf',
      task_id: `task_${requestId.slice('req-'.length)}`,
      attempt: 1,
      runtime_id: runtimeId,
      outcome: { status: 'complete' },
      at: AT,
    };
    bus.publish(s.results(runtimeId), { type: 'AgentExecutionResultBatch', results: [result] });
  };
  const giveBack = (runtimeId: string, ids: string[]) =>
    bus.publish(s.reclaimed(runtimeId), { type: 'AttemptsReclaimed', runtime_id: runtimeId, request_ids: ids, at: AT });
  const send = async (...ids: string[]) => {
    const replies = [];
    for (const id of ids)
      replies.push(
        (await bus.request(s.trigger('wf', 'execution_agent'), trigger(id), { timeoutMs: 1000 })).data as {
          runtime_id: string | null;
          rounds_ahead?: number;
        },
      );
    await bus.flush();
    return replies;
  };

  beforeEach(async () => {
    time = new SimulatedScheduler(0);
    received.clear();
    reclaims.clear();
    placed.length = 0;
    bus = new InProcessBus({ scheduler: time });
    dispatcher = new Dispatcher({
      bus,
      subjects: s,
      logger: pino({ level: 'silent' }),
      scheduler: time,
      sweepMs: 60_000,
      stealAfterMs: 20,
    });
    bus.subscribe(s.patterns.placed(), (m) => void placed.push(m.data as (typeof placed)[number]));
  });
  afterEach(async () => {
    dispatcher.close();
    await bus.close();
  });

  it('places an attempt where it starts at once before where it would be held, and says how many rounds a held one waits', async () => {
    runtime('rt-a', 5, 1);
    runtime('rt-b', 4, 4);
    await bus.flush();
    const replies = await send('1', '2', '3', '4', '5', '6', '7');
    // From the third on, rt-a is the less loaded by capacity (1/5 against 1/4) but would only hold it: rt-b runs it at once.
    expect(replies.map((r) => r.runtime_id)).toEqual(['rt-a', 'rt-b', 'rt-b', 'rt-b', 'rt-b', 'rt-a', 'rt-a']);
    expect(replies.map((r) => r.rounds_ahead)).toEqual([undefined, undefined, undefined, undefined, undefined, 1, 2]);
  });

  it('asks back the latest attempt held by a busy runtime once another has had a slot free for stealAfterMs of simulated time, and places it there', async () => {
    runtime('rt-a', 3, 1);
    runtime('rt-b', 3, 1);
    await bus.flush();
    const replies = await send('1', '2', '3', '4', '5');
    expect(replies.map((r) => r.runtime_id)).toEqual(['rt-a', 'rt-b', 'rt-a', 'rt-b', 'rt-a']);
    expect(replies.map((r) => r.rounds_ahead)).toEqual([undefined, undefined, 1, 1, 2]);
    // rt-b finishes both of its attempts; rt-a still runs req-1 and holds req-3 and req-5.
    done('req-2');
    done('req-4');
    await bus.flush();
    // rt-b went idle at 0 while rt-a holds attempts: the steal is armed for 20, and fires then, not before.
    expect(time.nextDue).toBe(20);
    time.advance(19);
    await bus.flush();
    expect(reclaims.get('rt-a')).toEqual([]);
    time.advance(1);
    await bus.flush();
    // One slot free on rt-b: one attempt, the last placed (the last rt-a would start).
    expect(reclaims.get('rt-a')).toEqual([['req-5']]);
    // Asked already: neither the timer nor a steal by hand asks again.
    time.advance(1000);
    dispatcher.steal();
    await bus.flush();
    expect(reclaims.get('rt-a')).toHaveLength(1);
    giveBack('rt-a', ['req-5']);
    await bus.flush();
    expect(received.get('rt-b')).toEqual(['req-2', 'req-4', 'req-5']);
    expect(placed).toEqual([expect.objectContaining({ request_id: 'req-5', runtime_id: 'rt-b' })]);
    expect(placed[0].rounds_ahead).toBeUndefined();
    expect(dispatcher.registry.owner('req-5')).toBe('rt-b');
    expect([...dispatcher.registry.get('rt-a')!.inFlight]).toEqual(['req-1', 'req-3']);
  });

  it('moves nothing the holder kept (it had started it) and nothing twice when the report comes again', async () => {
    runtime('rt-a', 3, 1);
    runtime('rt-b', 3, 1);
    await bus.flush();
    await send('1', '2', '3', '4', '5');
    done('req-2');
    done('req-4');
    await bus.flush();
    time.advance(100);
    await bus.flush();
    expect(reclaims.get('rt-a')).toEqual([['req-5']]);
    // req-5 had started: the holder reports nothing. Its result frees the ask, so the next idle spell may ask again.
    done('req-5');
    await bus.flush();
    time.advance(100);
    await bus.flush();
    expect(reclaims.get('rt-a')).toEqual([['req-5'], ['req-3']]);
    giveBack('rt-a', ['req-3']);
    giveBack('rt-a', ['req-3']);
    await bus.flush();
    expect(received.get('rt-b')).toEqual(['req-2', 'req-4', 'req-3']);
    expect(placed.filter((p) => p.request_id === 'req-3')).toHaveLength(1);
    expect(dispatcher.registry.get('rt-b')!.inFlight.size).toBe(1);
  });

  it('answers a malformed AttemptsReclaimed with INVALID_INPUT and moves nothing', async () => {
    runtime('rt-a', 3, 1);
    runtime('rt-b', 3, 1);
    await bus.flush();
    await send('1', '2', '3');
    const reply = await bus.request(
      s.reclaimed('rt-a'),
      { type: 'AttemptsReclaimed', runtime_id: 'rt-a', request_ids: 'req-3', at: AT },
      { timeoutMs: 1000 },
    );
    await bus.flush();
    expect(reply.data).toMatchObject({ type: 'Error', code: 'INVALID_INPUT' });
    expect(dispatcher.registry.owner('req-3')).toBe('rt-a');
    expect(placed).toEqual([]);
  });

  it('steals only what the idle runtime serves, and never from a runtime that does not say it holds attempts', async () => {
    runtime('rt-a', 4, 1, ['CAP-PRE-*', 'CAP-VIS-*']);
    runtime('rt-b', 4, 1, ['CAP-PRE-*']);
    runtime('rt-old', 1, 1, ['CAP-VIS-*']);
    await bus.flush();
    const replies = [];
    for (const [id, cap] of [
      ['1', 'CAP-VIS-001'],
      ['2', 'CAP-VIS-001'],
      ['3', 'CAP-VIS-001'],
    ] as const) {
      replies.push(
        (await bus.request(s.trigger('wf', 'execution_agent'), trigger(id, cap), { timeoutMs: 1000 })).data as {
          runtime_id: string;
        },
      );
    }
    await bus.flush();
    expect(replies.map((r) => r.runtime_id)).toEqual(['rt-a', 'rt-old', 'rt-a']);
    time.advance(1000);
    dispatcher.steal();
    await bus.flush();
    // rt-b is idle but serves no CAP-VIS; rt-old holds nothing (capacity = concurrency).
    expect(reclaims.get('rt-a')).toEqual([]);
    expect(reclaims.get('rt-old')).toEqual([]);
  });

  it('never steals for a drained runtime, and does once it is undrained', async () => {
    runtime('rt-a', 3, 1);
    runtime('rt-b', 3, 1);
    await bus.flush();
    await send('1', '2', '3', '4', '5');
    dispatcher.actor.send({ type: 'drain', runtime_id: 'rt-b' });
    done('req-2');
    done('req-4');
    await bus.flush();
    // rt-b has both slots free and rt-a holds req-3 and req-5, but rt-b is drained: nothing is asked back for it.
    time.advance(1000);
    dispatcher.steal();
    await bus.flush();
    expect(reclaims.get('rt-a')).toEqual([]);
    dispatcher.actor.send({ type: 'undrain', runtime_id: 'rt-b' });
    time.advance(20);
    await bus.flush();
    expect(reclaims.get('rt-a')).toEqual([['req-5']]);
  });
});
