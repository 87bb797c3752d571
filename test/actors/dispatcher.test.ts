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

function trigger(id: string, capability = 'CAP-PRE-001', agent = 'execution_agent'): TriggerAgent {
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
    agent_id: agent,
    task_id: `task_${id}`,
    attempt: 1,
    dispatch,
    at: AT,
  };
}

describe('Dispatcher', () => {
  let time: SimulatedScheduler;
  let bus: InProcessBus;
  let dispatcher: Dispatcher;
  const received = new Map<string, string[]>();

  /** A fake runtime on the bus: registers and records the triggers it is handed. */
  function runtime(id: string, capacity: number, capabilities = ['CAP-PRE-*']) {
    received.set(id, []);
    bus.subscribe(
      s.execute(id),
      (m: BusMessage) =>
        void received.get(id)!.push(...(m.data as { triggers: TriggerAgent[] }).triggers.map((t) => t.request_id)),
    );
    bus.publish(s.registered(id), {
      type: 'AgentRuntimeRegistered',
      runtime_id: id,
      agents: [{ agent_id: 'execution_agent', capabilities }],
      capacity,
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

  beforeEach(() => {
    time = new SimulatedScheduler(0);
    received.clear();
    bus = new InProcessBus({ scheduler: time });
    dispatcher = new Dispatcher({
      bus,
      subjects: s,
      logger: pino({ level: 'silent' }),
      scheduler: time,
      sweepMs: 60_000,
    });
  });
  afterEach(async () => {
    dispatcher.close();
    await bus.close();
  });

  it('hands each trigger to the least-loaded runtime that serves it, and says where', async () => {
    runtime('rt-a', 2);
    runtime('rt-b', 2);
    await bus.flush();
    const replies = [];
    for (const id of ['1', '2', '3'])
      replies.push((await bus.request(s.trigger('wf', 'execution_agent'), trigger(id), { timeoutMs: 1000 })).data);
    await bus.flush();
    expect(replies.map((r) => (r as { runtime_id: string }).runtime_id)).toEqual(['rt-a', 'rt-b', 'rt-a']);
    expect(received.get('rt-a')).toEqual(['req-1', 'req-3']);
  });

  it('fails at once with AgentDispatchFailed when no runtime serves the capability, and publishes it', async () => {
    runtime('rt-a', 1);
    const published: unknown[] = [];
    bus.subscribe(s.dispatchFailed('req-9'), (m) => void published.push(m.data));
    await bus.flush();
    const reply = await bus.request(s.trigger('wf', 'execution_agent'), trigger('9', 'CAP-VIS-001'), {
      timeoutMs: 1000,
    });
    await bus.flush();
    expect(reply.data).toMatchObject({
      type: 'AgentDispatchFailed',
      request_id: 'req-9',
      error: { code: 'CAPABILITY_NOT_AVAILABLE', recoverable: false },
    });
    expect(published).toHaveLength(1);
  });

  it('queues triggers while every serving runtime is full, and places them as slots free or a runtime registers late', async () => {
    runtime('rt-a', 1);
    await bus.flush();
    const replies = await Promise.all(
      ['1', '2', '3'].map((id) => bus.request(s.trigger('wf', 'execution_agent'), trigger(id), { timeoutMs: 1000 })),
    );
    expect(replies.map((r) => (r.data as { runtime_id: string | null }).runtime_id)).toEqual(['rt-a', null, null]);
    expect(dispatcher.queued).toBe(2);
    done('req-1');
    await bus.flush();
    expect(received.get('rt-a')).toEqual(['req-1', 'req-2']);
    runtime('rt-late', 4);
    await bus.flush();
    expect(received.get('rt-late')).toEqual(['req-3']);
    expect(dispatcher.queued).toBe(0);
  });

  it('deregisters a runtime that misses its heartbeats and reports its attempts as recoverable RUNTIME_LOST', async () => {
    runtime('rt-a', 2);
    await bus.flush();
    await bus.request(s.trigger('wf', 'execution_agent'), trigger('1'), { timeoutMs: 1000 });
    const lost: AgentExecutionResult[] = [];
    const gone: unknown[] = [];
    bus.subscribe(s.patterns.results(), (m) => void lost.push(m.data as AgentExecutionResult));
    bus.subscribe(s.deregistered('rt-a'), (m) => void gone.push(m.data));
    time.advance(250);
    bus.publish(s.heartbeat('rt-a'), {
      type: 'RuntimeHeartbeat',
      runtime_id: 'rt-a',
      in_flight: 1,
      capacity: 2,
      at: AT,
    });
    await bus.flush();
    dispatcher.sweep();
    expect(dispatcher.registry.runtimes()).toHaveLength(1);
    time.advance(301);
    dispatcher.sweep();
    await bus.flush();
    expect(dispatcher.registry.runtimes()).toHaveLength(0);
    expect(gone).toMatchObject([{ reason: 'defunct', in_flight: ['req-1'] }]);
    expect(lost).toMatchObject([
      {
        request_id: 'req-1',
        runtime_id: null,
        outcome: { status: 'failed', error: { code: 'RUNTIME_LOST', recoverable: true } },
      },
    ]);
  });

  it('answers a batch of triggers in order, and hands each runtime its share in one message', async () => {
    runtime('rt-a', 2);
    runtime('rt-b', 2);
    const messages: unknown[] = [];
    bus.subscribe(s.execute('rt-a'), (m) => void messages.push(m.data));
    await bus.flush();
    const reply = await bus.request(
      s.trigger('wf', 'execution_agent'),
      {
        type: 'TriggerAgentBatch',
        triggers: ['1', '2', '3', '4', '5'].map((id) => trigger(id)).concat(trigger('6', 'CAP-VIS-001')),
      },
      { timeoutMs: 1000 },
    );
    await bus.flush();
    const replies = (reply.data as { type: string; replies: Array<{ type: string; runtime_id?: string | null }> })
      .replies;
    expect(replies.map((r) => (r.type === 'TriggerAccepted' ? r.runtime_id : r.type))).toEqual([
      'rt-a',
      'rt-b',
      'rt-a',
      'rt-b',
      null,
      'AgentDispatchFailed',
    ]);
    expect(messages).toHaveLength(1);
    expect(received.get('rt-a')).toEqual(['req-1', 'req-3']);
  });

  it("counts against a runtime's capacity the attempts it lists from before this dispatcher, until their results come", async () => {
    received.set('rt-a', []);
    bus.subscribe(
      s.execute('rt-a'),
      (m: BusMessage) =>
        void received.get('rt-a')!.push(...(m.data as { triggers: TriggerAgent[] }).triggers.map((t) => t.request_id)),
    );
    // A runtime still running two attempts for a coordinator that restarted: its refreshed registration lists them.
    bus.publish(s.registered('rt-a'), {
      type: 'AgentRuntimeRegistered',
      runtime_id: 'rt-a',
      agents: [{ agent_id: 'execution_agent', capabilities: ['CAP-PRE-*'] }],
      capacity: 2,
      heartbeat_interval_ms: 100,
      subjects: [s.execute('rt-a')],
      in_flight: ['old-1', 'old-2'],
      at: AT,
    });
    await bus.flush();
    const reply = await bus.request(s.trigger('wf', 'execution_agent'), trigger('1'), { timeoutMs: 1000 });
    await bus.flush();
    expect(reply.data).toMatchObject({ type: 'TriggerAccepted', runtime_id: null });
    expect(dispatcher.queued).toBe(1);
    done('old-1');
    await bus.flush();
    expect(dispatcher.queued).toBe(0);
    expect(received.get('rt-a')).toEqual(['req-1']);
  });

  it('cancels on its runtime an attempt from before this dispatcher that a resumed run no longer wants, and only that', async () => {
    dispatcher.close();
    let resumed = false;
    dispatcher = new Dispatcher({
      bus,
      subjects: s,
      logger: pino({ level: 'silent' }),
      scheduler: time,
      sweepMs: 60_000,
      staleAttempt: (id) => resumed && id.startsWith('wf_'),
    });
    const cancels: unknown[] = [];
    bus.subscribe(s.cancel('rt-a'), (m) => void cancels.push(m.data));
    bus.publish(s.registered('rt-a'), {
      type: 'AgentRuntimeRegistered',
      runtime_id: 'rt-a',
      agents: [{ agent_id: 'execution_agent', capabilities: ['CAP-PRE-*'] }],
      capacity: 4,
      heartbeat_interval_ms: 100,
      subjects: [s.execute('rt-a')],
      in_flight: ['wf_1_1', 'other_2_1'],
      at: AT,
    });
    await bus.flush();
    // Not resumed yet: nobody has said these are stale.
    expect(cancels).toEqual([]);
    resumed = true;
    dispatcher.cancelStale();
    dispatcher.cancelStale();
    await bus.flush();
    expect(cancels).toEqual([{ type: 'CancelAttempt', request_id: 'wf_1_1' }]);
  });

  it('answers malformed triggers with a coded error and carries on', async () => {
    runtime('rt-a', 1);
    await bus.flush();
    const reply = await bus.request(
      s.trigger('wf', 'execution_agent'),
      { type: 'TriggerAgent', request_id: 'bad.id' },
      { timeoutMs: 1000 },
    );
    expect(reply.data).toMatchObject({ type: 'Error', code: 'INVALID_INPUT' });
    bus.publish(s.registered('rt-x'), { nonsense: true });
    await bus.flush();
    expect(dispatcher.registry.runtimes().map((r) => r.runtimeId)).toEqual(['rt-a']);
  });
});
