import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AgentExecutionResult, subjects } from '../../src/index.js';
import { AT, type DispatcherRig, dispatcherRig, registration, trigger } from '../helpers/dispatcher-rig.js';

const s = subjects();

describe('Dispatcher', () => {
  let t: DispatcherRig;

  beforeEach(() => {
    t = dispatcherRig();
  });
  afterEach(() => t.close());

  it('hands each trigger to the least-loaded runtime that serves it, and says where', async () => {
    t.runtime('rt-a', 2);
    t.runtime('rt-b', 2);
    await t.bus.flush();
    const replies = await t.send('1', '2', '3');
    expect(replies.map((r) => r.runtime_id)).toEqual(['rt-a', 'rt-b', 'rt-a']);
    expect(t.received.get('rt-a')).toEqual(['req-1', 'req-3']);
  });

  it('fails at once with AgentDispatchFailed when no runtime serves the capability, and publishes it', async () => {
    t.runtime('rt-a', 1);
    const published: unknown[] = [];
    t.bus.subscribe(s.dispatchFailed('req-9'), (m) => void published.push(m.data));
    await t.bus.flush();
    const reply = await t.bus.request(s.trigger('wf', 'execution_agent'), trigger('9', 'CAP-VIS-001'), {
      timeoutMs: 1000,
    });
    await t.bus.flush();
    expect(reply.data).toMatchObject({
      type: 'AgentDispatchFailed',
      request_id: 'req-9',
      error: { code: 'CAPABILITY_NOT_AVAILABLE', recoverable: false },
    });
    expect(published).toHaveLength(1);
  });

  it('queues triggers while every serving runtime is full, and places them as slots free or a runtime registers late', async () => {
    t.runtime('rt-a', 1);
    await t.bus.flush();
    const replies = await Promise.all(
      ['1', '2', '3'].map((id) => t.bus.request(s.trigger('wf', 'execution_agent'), trigger(id), { timeoutMs: 1000 })),
    );
    expect(replies.map((r) => (r.data as { runtime_id: string | null }).runtime_id)).toEqual(['rt-a', null, null]);
    expect(t.dispatcher.queued).toBe(2);
    t.done('req-1');
    await t.bus.flush();
    expect(t.received.get('rt-a')).toEqual(['req-1', 'req-2']);
    t.runtime('rt-late', 4);
    await t.bus.flush();
    expect(t.received.get('rt-late')).toEqual(['req-3']);
    expect(t.dispatcher.queued).toBe(0);
  });

  it('deregisters a runtime that misses its heartbeats and reports its attempts as recoverable RUNTIME_LOST', async () => {
    t.runtime('rt-a', 2);
    await t.bus.flush();
    await t.bus.request(s.trigger('wf', 'execution_agent'), trigger('1'), { timeoutMs: 1000 });
    const lost: AgentExecutionResult[] = [];
    const gone: unknown[] = [];
    t.bus.subscribe(s.patterns.results(), (m) => void lost.push(m.data as AgentExecutionResult));
    t.bus.subscribe(s.deregistered('rt-a'), (m) => void gone.push(m.data));
    t.time.advance(250);
    t.bus.publish(s.heartbeat('rt-a'), {
      type: 'RuntimeHeartbeat',
      runtime_id: 'rt-a',
      in_flight: 1,
      capacity: 2,
      at: AT,
    });
    await t.bus.flush();
    t.dispatcher.sweep();
    expect(t.dispatcher.registry.runtimes()).toHaveLength(1);
    t.time.advance(301);
    t.dispatcher.sweep();
    await t.bus.flush();
    expect(t.dispatcher.registry.runtimes()).toHaveLength(0);
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
    t.runtime('rt-a', 2);
    t.runtime('rt-b', 2);
    const messages: unknown[] = [];
    t.bus.subscribe(s.execute('rt-a'), (m) => void messages.push(m.data));
    await t.bus.flush();
    const reply = await t.bus.request(
      s.trigger('wf', 'execution_agent'),
      {
        type: 'TriggerAgentBatch',
        triggers: ['1', '2', '3', '4', '5'].map((id) => trigger(id)).concat(trigger('6', 'CAP-VIS-001')),
      },
      { timeoutMs: 1000 },
    );
    await t.bus.flush();
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
    expect(t.received.get('rt-a')).toEqual(['req-1', 'req-3']);
  });

  it("counts against a runtime's capacity the attempts it lists from before this dispatcher, until their results come", async () => {
    // A runtime still running two attempts for a coordinator that restarted: its refreshed registration lists them.
    t.runtime('rt-a', 2, { inFlight: ['old-1', 'old-2'] });
    await t.bus.flush();
    const reply = await t.bus.request(s.trigger('wf', 'execution_agent'), trigger('1'), { timeoutMs: 1000 });
    await t.bus.flush();
    expect(reply.data).toMatchObject({ type: 'TriggerAccepted', runtime_id: null });
    expect(t.dispatcher.queued).toBe(1);
    t.done('old-1');
    await t.bus.flush();
    expect(t.dispatcher.queued).toBe(0);
    expect(t.received.get('rt-a')).toEqual(['req-1']);
  });

  it('cancels on its runtime an attempt from before this dispatcher that a resumed run no longer wants, and only that', async () => {
    let resumed = false;
    t.restart({ staleAttempt: (id) => resumed && id.startsWith('wf_') });
    const cancels: unknown[] = [];
    t.bus.subscribe(s.cancel('rt-a'), (m) => void cancels.push(m.data));
    t.bus.publish(s.registered('rt-a'), registration('rt-a', 4, { inFlight: ['wf_1_1', 'other_2_1'] }));
    await t.bus.flush();
    // Not resumed yet: nobody has said these are stale.
    expect(cancels).toEqual([]);
    resumed = true;
    t.dispatcher.cancelStale();
    t.dispatcher.cancelStale();
    await t.bus.flush();
    expect(cancels).toEqual([{ type: 'CancelAttempt', request_id: 'wf_1_1' }]);
  });

  it('answers malformed triggers with a coded error and carries on', async () => {
    t.runtime('rt-a', 1);
    await t.bus.flush();
    const reply = await t.bus.request(
      s.trigger('wf', 'execution_agent'),
      { type: 'TriggerAgent', request_id: 'bad.id' },
      { timeoutMs: 1000 },
    );
    expect(reply.data).toMatchObject({ type: 'Error', code: 'INVALID_INPUT' });
    t.bus.publish(s.registered('rt-x'), { nonsense: true });
    await t.bus.flush();
    expect(t.dispatcher.registry.runtimes().map((r) => r.runtimeId)).toEqual(['rt-a']);
  });
});
