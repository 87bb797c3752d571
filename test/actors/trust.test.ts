import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/actors/dispatcher.js';
import { StateManager } from '../../src/actors/state-manager.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { type Scheduler, SimulatedScheduler, systemScheduler } from '../../src/core/scheduler.js';
import {
  type AgentExecutionResult,
  type BusMessage,
  InProcessBus,
  subjects,
  type TriggerAgent,
} from '../../src/index.js';
import { vet } from '../../src/protocol/vetted.js';
import { testDispatcher } from '../helpers/dispatcher-rig.js';
import { task, workflow } from '../helpers/plans.js';
import { supervisedRun } from '../helpers/supervised-run.js';

// Results and control messages must prove who they are: a real dispatcher and a real run on
// the in-process bus, a scripted remote runtime, and messages forged against them.

const s = subjects();
const AT = '2026-02-21T10:00:00Z';
const RUNTIME = 'rt-a';

/** A pino logger whose lines land in `lines`, parsed. */
function capturingLogger(lines: Array<Record<string, unknown>>) {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n'))
        if (line.length > 0) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level: 'debug' }, stream);
}

/** A chain of 12 tasks: a non-recoverable failure of the first skips the 11 after it. */
function chain() {
  return workflow(Array.from({ length: 12 }, (_, i) => task(`task_${i + 1}`, i === 0 ? [] : [`task_${i}`])));
}

const runOf = (
  bus: InProcessBus,
  logger: pino.Logger,
  taskTimeoutMs = 60_000,
  scheduler: Scheduler = systemScheduler,
) => supervisedRun(bus, chain(), { logger, taskTimeoutMs, scheduler });

const result = (t: TriggerAgent, change: Partial<AgentExecutionResult> = {}): AgentExecutionResult => ({
  type: 'AgentExecutionResult',
  request_id: t.request_id,
  workflow_id: t.workflow_id,
  task_id: t.task_id,
  attempt: t.attempt,
  runtime_id: RUNTIME,
  outcome: { status: 'failed', error: { code: 'FORGED', message: 'not really', recoverable: false } },
  at: AT,
  ...change,
});

const registration = (runtimeId: string, extra: Record<string, unknown> = {}) => ({
  type: 'AgentRuntimeRegistered',
  runtime_id: runtimeId,
  agents: [{ agent_id: 'execution_agent', capabilities: ['CAP-PRE-*'] }],
  capacity: 4,
  heartbeat_interval_ms: 1000,
  at: AT,
  ...extra,
});

describe('results and control messages must prove who they are', () => {
  let bus: InProcessBus;
  let dispatcher: Dispatcher;
  let lines: Array<Record<string, unknown>>;
  let triggers: TriggerAgent[];

  beforeEach(async () => {
    lines = [];
    triggers = [];
    bus = new InProcessBus();
    dispatcher = testDispatcher(bus, systemScheduler, { logger: capturingLogger(lines) });
    // A runtime in another process: it registers, takes triggers on its execute subject, and acknowledges them.
    bus.subscribe(s.execute(RUNTIME), (m: BusMessage) => {
      const batch = m.data as { triggers: TriggerAgent[] };
      triggers.push(...batch.triggers);
      bus.respond(m, { type: 'TriggersAccepted', runtime_id: RUNTIME, count: batch.triggers.length });
    });
    bus.publish(s.registered(RUNTIME), registration(RUNTIME));
    await bus.flush();
  });
  afterEach(async () => {
    dispatcher.close();
    await bus.close();
  });

  const ask = async (subject: string, data: unknown) =>
    (await bus.request(subject, data, { timeoutMs: 2000 })).data as { type: string; code?: string; message?: string };

  it('refuses a result that names a live request id but another attempt, task, run or runtime, and changes nothing', async () => {
    const run = runOf(bus, capturingLogger(lines)).start();
    await expect.poll(() => triggers.length).toBe(1);
    const [first] = triggers;
    const forgeries: Array<[string, AgentExecutionResult]> = [
      [s.results(RUNTIME), result(first, { attempt: first.attempt + 7 })],
      [s.results(RUNTIME), result(first, { task_id: 'task_999' })],
      [s.results(RUNTIME), result(first, { workflow_id: 'another-run' })],
      [s.results('rt-b'), result(first, { runtime_id: 'rt-b' })],
      [s.results(RUNTIME), result(first, { runtime_id: 'rt-b' })],
      // A loss "reported by the dispatcher" that this process's dispatcher did not build.
      [s.result(first.request_id), result(first, { runtime_id: null })],
    ];
    for (const [subject, forged] of forgeries) {
      const body = subject.endsWith('.results') ? { type: 'AgentExecutionResultBatch', results: [forged] } : forged;
      expect(await ask(subject, body)).toMatchObject({ type: 'Error', code: 'RESULT_MISMATCH' });
    }
    await bus.flush();
    // Nothing moved: task_1 is still out, its slot still taken, nothing skipped.
    expect(run.ended).toBe(false);
    expect(run.state().task_states.task_1.status).toBe('in_progress');
    expect(run.state().task_states.task_12.status).toBe('pending');
    expect([...dispatcher.registry.get(RUNTIME)!.inFlight]).toEqual([first.request_id]);
    // Logged once each (by the dispatcher, naming the fields), not once per actor.
    const warned = lines.filter((l) => l.code === 'RESULT_MISMATCH' && (l.level as number) >= 40);
    expect(warned).toHaveLength(forgeries.length);
    expect(warned.map((l) => l.mismatched)).toEqual([
      ['attempt'],
      ['task_id'],
      ['workflow_id'],
      ['runtime_id'],
      ['runtime_id'],
      ['runtime_id'],
    ]);
    // The real results still count: the run completes.
    bus.subscribe(s.execute(RUNTIME), (m: BusMessage) => {
      for (const t of (m.data as { triggers: TriggerAgent[] }).triggers)
        bus.publish(s.results(RUNTIME), {
          type: 'AgentExecutionResultBatch',
          results: [result(t, { outcome: { status: 'complete' } })],
        });
    });
    expect(
      await ask(s.results(RUNTIME), {
        type: 'AgentExecutionResultBatch',
        results: [result(first, { outcome: { status: 'complete' } })],
      }),
    ).toMatchObject({ type: 'ResultsAccepted', count: 1 });
    expect((await run.result).status).toBe('complete');
  });

  it("applies a single result on a runtime's results subject as it applies a batch of one", async () => {
    const run = runOf(bus, capturingLogger(lines)).start();
    await expect.poll(() => triggers.length).toBe(1);
    const done = result(triggers[0], { outcome: { status: 'complete' } });
    expect(await ask(s.results(RUNTIME), done)).toMatchObject({ type: 'ResultsAccepted', count: 1 });
    await bus.flush();
    expect(run.state().task_states.task_1.status).toBe('complete');
    run.cancel('test over');
  });

  it('takes the results a runtime sends for its own attempts after it left (a worker that died reports them failed)', async () => {
    const run = runOf(bus, capturingLogger(lines)).start();
    await expect.poll(() => triggers.length).toBe(1);
    bus.publish(s.deregistered(RUNTIME), {
      type: 'AgentRuntimeDeregistered',
      runtime_id: RUNTIME,
      reason: 'defunct',
      at: AT,
    });
    await bus.flush();
    expect(dispatcher.registry.get(RUNTIME)).toBeUndefined();
    const exited = result(triggers[0], {
      outcome: { status: 'failed', error: { code: 'WORKER_EXITED', message: 'the worker exited', recoverable: true } },
    });
    expect(await ask(s.results(RUNTIME), { type: 'AgentExecutionResultBatch', results: [exited] })).toMatchObject({
      type: 'ResultsAccepted',
      count: 1,
    });
    await bus.flush();
    expect(run.state().failure_log[0]).toMatchObject({ task_id: 'task_1', error_code: 'WORKER_EXITED' });
    expect(lines.filter((l) => l.code === 'RESULT_MISMATCH')).toEqual([]);
    run.cancel('test over');
  });

  it.each([
    ['null', null],
    ['an array', []],
    [
      'truncated JSON (as the NATS bus hands on a payload that is not JSON)',
      '{"type":"AgentExecutionResultBatch","res',
    ],
    ['another message type', { type: 'Hello' }],
    [
      'a result missing `at`',
      {
        type: 'AgentExecutionResultBatch',
        results: [
          {
            ...result({ request_id: 'r1_0_1', workflow_id: 'r1', task_id: 'task_1', attempt: 1 } as TriggerAgent),
            at: undefined,
          },
        ],
      },
    ],
  ])('answers %s on a results subject with INVALID_INPUT naming the schema, never ResultsAccepted', async (_, body) => {
    const reply = await ask(s.results(RUNTIME), body);
    expect(reply).toMatchObject({ type: 'Error', code: 'INVALID_INPUT' });
    expect(reply.message).toMatch(/AgentExecutionResult/);
  });

  it('refuses a bad TriggerAgentBatch as a TriggerAgentBatch, not with the single-trigger schema', async () => {
    const reply = await ask(s.trigger('wf', 'execution_agent'), {
      type: 'TriggerAgentBatch',
      triggers: [{ type: 'TriggerAgent', request_id: 7 }],
    });
    expect(reply).toMatchObject({ type: 'Error', code: 'INVALID_INPUT' });
    expect(reply.message).toMatch(/^The TriggerAgentBatch does not match/);
    const other = await ask(s.trigger('wf', 'execution_agent'), { type: 'Hello' });
    expect(other.message).toMatch(/^The TriggerAgent or TriggerAgentBatch does not match/);
  });

  it.each([
    ['a runtime id over 128 characters', 'r'.repeat(129), {}],
    ['a capacity beyond the bound', 'rt-big', { capacity: 1_000_000 }],
    [
      'a huge agent list',
      'rt-many',
      { agents: Array.from({ length: 65 }, (_, i) => ({ agent_id: `agent_${i}`, capabilities: ['CAP-PRE-*'] })) },
    ],
    [
      'a huge capability list',
      'rt-caps',
      { agents: [{ agent_id: 'execution_agent', capabilities: Array.from({ length: 257 }, (_, i) => `CAP-X-${i}`) }] },
    ],
    ['an endless heartbeat interval', 'rt-slow', { heartbeat_interval_ms: 2 ** 31 }],
  ])('refuses a registration with %s', async (_, runtimeId, extra) => {
    expect(await ask(s.registered(runtimeId), registration(runtimeId, extra))).toMatchObject({
      type: 'Error',
      code: 'INVALID_INPUT',
    });
    expect(dispatcher.registry.get(runtimeId)).toBeUndefined();
  });

  it('refuses a runtime speaking for another: subject and body naming different runtimes, or command subjects that are not its own', async () => {
    expect(await ask(s.registered('rt-x'), registration('rt-y'))).toMatchObject({
      type: 'Error',
      code: 'UNAUTHORIZED',
    });
    expect(await ask(s.registered('rt-x'), registration('rt-x', { subjects: [s.execute(RUNTIME)] }))).toMatchObject({
      type: 'Error',
      code: 'UNAUTHORIZED',
    });
    expect(
      await ask(s.deregistered('rt-x'), {
        type: 'AgentRuntimeDeregistered',
        runtime_id: RUNTIME,
        reason: 'shutdown',
        at: AT,
      }),
    ).toMatchObject({ type: 'Error', code: 'UNAUTHORIZED' });
    expect(
      await ask(s.reclaimed('rt-x'), { type: 'AttemptsReclaimed', runtime_id: RUNTIME, request_ids: ['x'], at: AT }),
    ).toMatchObject({ type: 'Error', code: 'UNAUTHORIZED' });
    expect(dispatcher.registry.get('rt-x')).toBeUndefined();
    expect(dispatcher.registry.get(RUNTIME)).toBeDefined();
  });

  it('refuses registrations, deregistrations and heartbeats of its own worker runtimes that come from outside the process', async () => {
    // How this process's own runtimes announce themselves: messages it built (vetted).
    bus.publish(s.registered('local-t1'), vet(registration('local-t1')));
    await bus.flush();
    expect(dispatcher.registry.get('local-t1')).toBeDefined();
    expect(
      await ask(s.deregistered('local-t1'), {
        type: 'AgentRuntimeDeregistered',
        runtime_id: 'local-t1',
        reason: 'defunct',
        at: AT,
      }),
    ).toMatchObject({ type: 'Error', code: 'UNAUTHORIZED' });
    expect(await ask(s.registered('local-t1'), registration('local-t1', { capacity: 1 }))).toMatchObject({
      type: 'Error',
      code: 'UNAUTHORIZED',
    });
    expect(
      await ask(s.heartbeat('local-t1'), {
        type: 'RuntimeHeartbeat',
        runtime_id: 'local-t1',
        in_flight: 0,
        capacity: 4,
        at: AT,
      }),
    ).toMatchObject({ type: 'Error', code: 'UNAUTHORIZED' });
    expect(dispatcher.registry.get('local-t1')?.capacity).toBe(4);
    // Its own deregistration still counts.
    bus.publish(
      s.deregistered('local-t1'),
      vet({ type: 'AgentRuntimeDeregistered', runtime_id: 'local-t1', reason: 'shutdown', at: AT }),
    );
    await bus.flush();
    expect(dispatcher.registry.get('local-t1')).toBeUndefined();
  });

  it('cancels, where it runs, an attempt it declares RESULT_LOST', async () => {
    const cancels: unknown[] = [];
    bus.subscribe(s.cancel(RUNTIME), (m) => void cancels.push(m.data));
    const time = new SimulatedScheduler(0);
    const run = runOf(bus, pino({ level: 'silent' }), 20, time).start();
    await expect.poll(() => triggers.length).toBe(1);
    // Deadline 20 ms plus 10 ms of grace, on simulated time.
    await time.advanceAsync(29);
    expect(cancels).toEqual([]);
    await time.advanceAsync(1);
    await expect.poll(() => triggers.length).toBe(2);
    expect(cancels[0]).toEqual({ type: 'CancelAttempt', request_id: triggers[0].request_id });
    expect(run.state().failure_log[0]).toMatchObject({ task_id: 'task_1', error_code: 'RESULT_LOST' });
    run.cancel('test over');
  });

  it('records the steps of a run it drives only from that run, never a step forged on the bus', async () => {
    const store = new MemoryStore();
    const manager = new StateManager({
      bus,
      subjects: s,
      store,
      logger: pino({ level: 'silent' }),
      scheduler: systemScheduler,
    });
    manager.claim('r1');
    const step = {
      type: 'RunStep',
      run_id: 'r1',
      seq: 1,
      at: 0,
      events: [{ type: 'plan_accepted', total_tasks: 1 }],
      status: 'running',
      counts: { total: 1, completed: 0, failed: 0, skipped: 0, in_progress: 0 },
      accepted: { plan: chain(), options: { policy: 'strict', max_attempts: 3 } },
    };
    bus.publish(s.runStep('r1'), step);
    await bus.flush();
    expect(store.getRun('r1')).toBeUndefined();
    // The run's own journal (in this process) is heard.
    bus.publish(s.runStep('r1'), vet({ ...step }));
    await bus.flush();
    expect(store.getRun('r1')?.last_seq).toBe(1);
    manager.close();
  });
});
