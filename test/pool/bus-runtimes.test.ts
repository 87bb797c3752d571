import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type Scheduler, SimulatedScheduler } from '../../src/core/scheduler.js';
import { type Bus, InProcessBus } from '../../src/index.js';
import { AgentPool } from '../../src/pool/agent-pool.js';
import { type BusRuntimes, connectPool } from '../../src/pool/bus-runtimes.js';
import type { TriggerAgent } from '../../src/protocol/runtime-events.js';
import { subjects as subjectBuilders } from '../../src/protocol/subjects.js';
import { networkLike } from '../helpers/network-like-bus.js';

const AGENTS = new URL('../fixtures/agents/test-agents.ts', import.meta.url);
const subjects = subjectBuilders();
let pool: AgentPool | undefined;
let runtimes: BusRuntimes | undefined;
let inner: InProcessBus | undefined;
afterEach(async () => {
  await runtimes?.close();
  await pool?.close();
  await inner?.close();
  pool = runtimes = inner = undefined;
});

function trigger(taskId: string, action = 'extract'): TriggerAgent {
  return {
    type: 'TriggerAgent',
    request_id: `w1_${taskId}_1`,
    workflow_id: 'w1',
    agent_id: 'execution_agent',
    task_id: taskId,
    attempt: 1,
    dispatch: {
      task_id: taskId,
      action,
      capability_ids: ['CAP-PRE-001'],
      input_refs_resolved: [],
      output_refs_expected: [],
      execution_group: 1,
      attempt: 1,
      workflow_progress: { total_tasks: 2, completed: 0, in_progress: 1, pending: 1, failed: 0 },
    },
    at: '2026-11-21T10:00:00Z',
  };
}

/**
 * Connects a one-thread pool to `bus` and counts the results it publishes, by request id
 * (acknowledging each batch), keeping each one's outcome status or error code.
 */
async function start(
  bus: Bus,
  options: {
    concurrency?: number;
    prefetch?: number;
    timeoutMs?: number;
    killGraceMs?: number;
    scheduler?: Scheduler;
  } = {},
) {
  pool = await AgentPool.start({
    modules: [AGENTS],
    maxThreads: 1,
    concurrentTasksPerWorker: options.concurrency ?? 2,
    prefetch: options.prefetch ?? 0,
  });
  const results = new Map<string, number>();
  const outcomes = new Map<string, string>();
  const waiters: Array<() => void> = [];
  bus.subscribe(subjects.patterns.resultBatches(), (m) => {
    const batch = (
      m.data as { results: Array<{ request_id: string; outcome: { status: string; error?: { code: string } } }> }
    ).results;
    for (const r of batch) {
      results.set(r.request_id, (results.get(r.request_id) ?? 0) + 1);
      outcomes.set(r.request_id, r.outcome.error?.code ?? r.outcome.status);
    }
    bus.respond(m, { type: 'ResultsAccepted', count: batch.length });
    for (const wake of waiters.splice(0)) wake();
  });
  runtimes = connectPool(pool, {
    bus,
    subjects,
    logger: pino({ level: 'silent' }),
    clock: Date.now,
    defaultTimeoutMs: options.timeoutMs ?? 10_000,
    heartbeatMs: 1000,
    ...(options.killGraceMs === undefined ? {} : { killGraceMs: options.killGraceMs }),
    ...(options.scheduler ? { scheduler: options.scheduler } : {}),
  });
  const settled = async (requestId: string) => {
    while (!results.has(requestId)) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { results, outcomes, settled };
}

/** What a network bus is, for the runtimes: one that retries, and so may deliver a message twice. */
function unreliableBus(): Bus {
  inner = new InProcessBus();
  return networkLike(inner);
}

const execute = (bus: Bus, ...triggers: TriggerAgent[]) =>
  bus.publish(subjects.execute(pool!.runtimes()[0].runtimeId), { type: 'TriggerAgentBatch', triggers });

describe('pool runtimes on the bus', () => {
  it('over a bus that may send a trigger again, runs a repeat once, even after its result went back', async () => {
    const bus = unreliableBus();
    const { results, settled } = await start(bus);
    execute(bus, trigger('task_1'));
    await settled('w1_task_1_1');
    execute(bus, trigger('task_1'), trigger('task_2'));
    await settled('w1_task_2_1');
    await bus.flush();
    expect(Object.fromEntries(results)).toEqual({ w1_task_1_1: 1, w1_task_2_1: 1 });
  });

  it('on a reliable bus, still runs once a repeat of a trigger it holds', async () => {
    const bus = (inner = new InProcessBus());
    const { results, settled } = await start(bus);
    execute(bus, trigger('task_1'), trigger('task_1'));
    execute(bus, trigger('task_1'));
    await settled('w1_task_1_1');
    execute(bus, trigger('task_2'));
    await settled('w1_task_2_1');
    expect(Object.fromEntries(results)).toEqual({ w1_task_1_1: 1, w1_task_2_1: 1 });
  });

  it('starts the deadline of an attempt the worker holds when it starts, not when it was sent', async () => {
    const bus = (inner = new InProcessBus());
    // The host's deadlines run on a scheduler the test moves; the handlers' own time is not involved.
    const time = new SimulatedScheduler(0);
    // One at a time, one more held; each handler works until the test cancels it.
    const { outcomes, settled } = await start(bus, { concurrency: 1, prefetch: 1, timeoutMs: 1000, scheduler: time });
    expect(pool!.runtimes()[0]).toMatchObject({ capacity: 2, concurrency: 1 });
    const runtimeId = pool!.runtimes()[0].runtimeId;
    const began = (requestId: string) =>
      new Promise<void>((resolve) => bus.subscribe(subjects.progress(requestId), () => resolve()));
    const cancel = (requestId: string) =>
      bus.publish(subjects.cancel(runtimeId), { type: 'CancelAttempt', request_id: requestId });
    const first = began('w1_task_1_1');
    execute(bus, trigger('task_1', '[until-cancelled]'), trigger('task_2', '[until-cancelled]'));
    await first;
    // Only the running attempt's deadline is set; the held one's waits for it to start.
    expect(time.pending).toBe(1);
    time.advance(600);
    const second = began('w1_task_2_1');
    cancel('w1_task_1_1');
    await second;
    expect(time.nextDue).toBe(1600);
    // 1200 ms after it was sent, 600 ms after it started: within its deadline.
    time.advance(600);
    cancel('w1_task_2_1');
    await settled('w1_task_2_1');
    expect(Object.fromEntries(outcomes)).toEqual({ w1_task_1_1: 'complete', w1_task_2_1: 'complete' });
    expect(time.pending).toBe(0);
    // A held attempt that does overrun its own deadline still times out.
    const fourth = began('w1_task_4_1');
    execute(bus, trigger('task_3', '[until-cancelled]'), trigger('task_4', '[until-cancelled]'));
    cancel('w1_task_3_1');
    await fourth;
    time.advance(999);
    expect(outcomes.has('w1_task_4_1')).toBe(false);
    time.advance(1);
    await settled('w1_task_4_1');
    expect(outcomes.get('w1_task_3_1')).toBe('complete');
    expect(outcomes.get('w1_task_4_1')).toBe('TIMEOUT');
  });

  it('kills the worker of a handler that ignores its abort once the grace after its deadline has passed', async () => {
    const bus = (inner = new InProcessBus());
    const time = new SimulatedScheduler(0);
    const { outcomes, settled } = await start(bus, { timeoutMs: 1000, killGraceMs: 2000, scheduler: time });
    const [before] = pool!.runtimes();
    const began = new Promise<void>((resolve) => bus.subscribe(subjects.progress('w1_task_1_1'), () => resolve()));
    execute(bus, trigger('task_1', '[hang-hard]'));
    await began;
    expect(time.nextDue).toBe(1000);
    time.advance(1000);
    await settled('w1_task_1_1');
    expect(outcomes.get('w1_task_1_1')).toBe('TIMEOUT');
    // Within the grace the worker lives; at its end it is killed, and the pool replaces it.
    time.advance(1999);
    expect(before.exited).toBe(false);
    const replaced = new Promise<void>((resolve) => pool!.once('runtime', () => resolve()));
    time.advance(1);
    await replaced;
    expect(before.exited).toBe(true);
    expect(pool!.runtimes()[0].threadId).not.toBe(before.threadId);
  });

  it("on close, waits for the attempts it holds to end, at most drainMs of the scheduler's time, then hands back the rest", async () => {
    const bus = (inner = new InProcessBus());
    const time = new SimulatedScheduler(0);
    const { outcomes, settled } = await start(bus, { scheduler: time });
    const runtimeId = pool!.runtimes()[0].runtimeId;
    const handedBack: unknown[] = [];
    bus.subscribe(
      subjects.deregistered(runtimeId),
      (m) => void handedBack.push((m.data as { in_flight?: unknown }).in_flight),
    );
    const began = (requestId: string) =>
      new Promise<void>((resolve) => bus.subscribe(subjects.progress(requestId), () => resolve()));
    const both = Promise.all([began('w1_task_1_1'), began('w1_task_2_1')]);
    execute(bus, trigger('task_1', '[until-cancelled]'), trigger('task_2', '[hang]'));
    await both;
    let closed = false;
    const closing = runtimes!.close({ drainMs: 5000 }).then(() => (closed = true));
    // One ends within the drain: its result goes back; the other still holds the close.
    bus.publish(subjects.cancel(runtimeId), { type: 'CancelAttempt', request_id: 'w1_task_1_1' });
    await settled('w1_task_1_1');
    await time.advanceAsync(4999);
    expect(closed).toBe(false);
    await time.advanceAsync(1);
    await closing;
    await bus.flush();
    expect(outcomes.get('w1_task_1_1')).toBe('complete');
    expect(handedBack).toEqual([['w1_task_2_1']]);
  });

  it('on close, ends the drain as soon as the last attempt held has its result acknowledged', async () => {
    const bus = (inner = new InProcessBus());
    const time = new SimulatedScheduler(0);
    const { settled } = await start(bus, { scheduler: time });
    const runtimeId = pool!.runtimes()[0].runtimeId;
    const began = new Promise<void>((resolve) => bus.subscribe(subjects.progress('w1_task_1_1'), () => resolve()));
    execute(bus, trigger('task_1', '[until-cancelled]'));
    await began;
    const closing = runtimes!.close({ drainMs: 60_000 });
    expect(runtimes!.inFlight).toBe(1);
    bus.publish(subjects.cancel(runtimeId), { type: 'CancelAttempt', request_id: 'w1_task_1_1' });
    await settled('w1_task_1_1');
    await closing;
    // No time passed: the drain ended on the event, and left no timer behind.
    expect(time.now()).toBe(0);
    expect(time.pending).toBe(0);
    expect(runtimes!.inFlight).toBe(0);
  });

  it('gives back unstarted the held attempts the dispatcher reclaims, with no result for them; one it started runs on', async () => {
    const bus = unreliableBus();
    const registrations: Array<{ capacity: number; concurrency?: number }> = [];
    bus.subscribe(
      subjects.patterns.runtimeDefinitions(),
      (m) => void registrations.push(m.data as (typeof registrations)[number]),
    );
    const reclaimed: string[][] = [];
    let wake: () => void = () => undefined;
    const reported = () => new Promise<void>((resolve) => (wake = resolve));
    bus.subscribe(subjects.patterns.reclaimed(), (m) => {
      reclaimed.push((m.data as { request_ids: string[] }).request_ids);
      bus.respond(m, { type: 'ResultsAccepted', count: 1 });
      wake();
    });
    const { results, outcomes, settled } = await start(bus, { concurrency: 1, prefetch: 2 });
    await bus.flush();
    expect(registrations[0]).toMatchObject({ capacity: 3, concurrency: 1 });
    const runtimeId = pool!.runtimes()[0].runtimeId;
    // task_1 runs until the test cancels it, so it is still running whenever the reclaim lands.
    execute(bus, trigger('task_1', '[until-cancelled]'), trigger('task_2'), trigger('task_3'));
    bus.publish(subjects.reclaim(runtimeId), {
      type: 'ReclaimAttempts',
      request_ids: ['w1_task_1_1', 'w1_task_2_1'],
      at: '2026-11-21T10:00:01Z',
    });
    await reported();
    expect(results.size).toBe(0);
    bus.publish(subjects.cancel(runtimeId), { type: 'CancelAttempt', request_id: 'w1_task_1_1' });
    await settled('w1_task_3_1');
    await bus.flush();
    expect(reclaimed).toEqual([['w1_task_2_1']]);
    expect(Object.fromEntries(outcomes)).toEqual({ w1_task_1_1: 'complete', w1_task_3_1: 'complete' });
    // Given back, it is no longer this runtime's: sent here again (as the dispatcher may), it runs, once.
    execute(bus, trigger('task_2'));
    await settled('w1_task_2_1');
    expect(Object.fromEntries(results)).toEqual({ w1_task_1_1: 1, w1_task_2_1: 1, w1_task_3_1: 1 });
    expect(runtimes!.inFlight).toBe(0);
  });

  it('refuses a malformed reclaim and keeps running what it holds', async () => {
    const bus = (inner = new InProcessBus());
    const { outcomes, settled } = await start(bus, { concurrency: 1, prefetch: 1 });
    const runtimeId = pool!.runtimes()[0].runtimeId;
    execute(bus, trigger('task_1', '[sleep-100]'), trigger('task_2'));
    bus.publish(subjects.reclaim(runtimeId), { type: 'ReclaimAttempts', request_ids: 'w1_task_2_1' });
    await settled('w1_task_2_1');
    expect(outcomes.get('w1_task_2_1')).toBe('complete');
  });
});
