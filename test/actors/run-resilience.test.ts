import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { RetryHold } from '../../src/actors/retry-hold.js';
import { recordedResilience } from '../../src/actors/run-resilience.js';
import type { SupervisorOptions } from '../../src/actors/supervisor-options.js';
import type { WorkflowRun } from '../../src/actors/workflow-run.js';
import { backoffDelay } from '../../src/core/backoff.js';
import type { DispatchRecord } from '../../src/core/dispatch-core.js';
import { SimulatedScheduler } from '../../src/core/scheduler.js';
import { InProcessBus, MemoryStore, subjects, type TriggerAgent } from '../../src/index.js';
import { latest, runRecord } from '../../src/journal/recorded-run.js';
import { rebuild, rebuiltState } from '../../src/journal/replay.js';
import type { LoggedEvent, RunStepMessage } from '../../src/protocol/run-events.js';
import { thrown } from '../helpers/errors.js';
import { task, workflow } from '../helpers/plans.js';
import { supervisedRun } from '../helpers/supervised-run.js';

const s = subjects();
const AT = '2026-02-21T10:00:00Z';

const outcomeFor = (t: TriggerAgent, ok: boolean) => ({
  type: 'AgentExecutionResult',
  request_id: t.request_id,
  workflow_id: t.workflow_id,
  task_id: t.task_id,
  attempt: t.attempt,
  runtime_id: 'rt',
  outcome: ok
    ? { status: 'complete' }
    : { status: 'failed', error: { code: 'FLAKY', message: 'try again', recoverable: true } },
  at: AT,
});

/**
 * A scripted dispatcher on `bus`: places every trigger on runtime `rt`, notes when (simulated
 * time) it was sent, and answers each attempt of a task with `answer(trigger)`: a result now
 * (true / false) or none (the attempt hangs).
 */
function dispatcher(bus: InProcessBus, time: SimulatedScheduler, answer: (t: TriggerAgent) => boolean | undefined) {
  const sent: Array<{ task: string; attempt: number; at: number }> = [];
  bus.subscribe(s.patterns.triggers(), (m) => {
    const triggers = (m.data as { triggers: TriggerAgent[] }).triggers;
    bus.respond(m, {
      type: 'TriggerBatchReply',
      replies: triggers.map((t) => ({ type: 'TriggerAccepted', request_id: t.request_id, runtime_id: 'rt', at: AT })),
    });
    for (const t of triggers) {
      sent.push({ task: t.task_id, attempt: t.attempt, at: time.now() });
      const ok = answer(t);
      if (ok !== undefined) bus.publish(s.result(t.request_id), outcomeFor(t, ok));
    }
  });
  return sent;
}

/** Lets the bus and the run's microtasks settle; simulated time stands still. */
async function settle(bus: InProcessBus): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setImmediate(r));
    await bus.flush();
  }
}

/** Every RunStep the run publishes, recorded in `store` as the state manager would. */
function recordSteps(bus: InProcessBus, store: MemoryStore, time: SimulatedScheduler): LoggedEvent[] {
  const events: LoggedEvent[] = [];
  bus.subscribe(s.runStep('r1'), (m) => {
    const step = m.data as RunStepMessage;
    store.recordStep(step, time.now());
    events.push(...step.events);
  });
  return events;
}

/** The run's state as a new process rebuilds it from the store (replay of the recorded steps). */
function replayed(store: MemoryStore, runId: string) {
  const record = runRecord(store, runId);
  const { checkpoint, steps } = latest(store, record);
  const rebuilt = rebuild(record, checkpoint, steps);
  if (!rebuilt.ok) throw rebuilt.error;
  return rebuiltState(rebuilt.value);
}

const journal = (wf: Record<string, unknown>): Partial<SupervisorOptions> => ({
  journal: { checkpointEvery: 1000, accepted: { plan: wf, options: { policy: 'strict', max_attempts: 3 } } },
});

describe('retry backoff on a live run (simulated time)', () => {
  let bus: InProcessBus;
  afterEach(async () => bus.close());

  it('holds each retry for its delay, growing and capped, sends it exactly then, and starts no attempt deadline meanwhile', async () => {
    bus = new InProcessBus();
    const time = new SimulatedScheduler(0);
    const sent = dispatcher(bus, time, (t) => t.attempt === 3);
    const wf = workflow([task('a')]);
    const store = new MemoryStore();
    const events = recordSteps(bus, store, time);
    const run = supervisedRun(bus, wf, {
      scheduler: time,
      retryBackoff: { initialMs: 100, factor: 2, maxMs: 150, jitter: 0 },
      ...journal(wf),
    }).start();
    await settle(bus);
    expect(sent).toEqual([{ task: 'a', attempt: 1, at: 0 }]);
    // Held: the only timer is the hold's, no attempt deadline.
    expect(time.pending).toBe(1);
    expect(time.nextDue).toBe(100);
    await time.advanceAsync(99);
    await settle(bus);
    expect(sent).toHaveLength(1);
    await time.advanceAsync(1);
    await settle(bus);
    expect(sent.map((x) => [x.attempt, x.at])).toEqual([
      [1, 0],
      [2, 100],
    ]);
    // 100 × 2 = 200, capped at 150.
    expect(time.nextDue).toBe(250);
    await time.advanceAsync(150);
    const result = await run.result;
    expect(sent.map((x) => [x.attempt, x.at])).toEqual([
      [1, 0],
      [2, 100],
      [3, 250],
    ]);
    expect(result.task_results.a).toEqual({ status: 'complete', attempts: 3 });
    await settle(bus);
    expect(events.filter((e) => e.type === 'retry_delayed')).toEqual([
      { type: 'retry_delayed', at: 0, task_id: 'a', attempt: 2, delay_ms: 100 },
      { type: 'retry_delayed', at: 100, task_id: 'a', attempt: 3, delay_ms: 150 },
    ]);
  });

  it('sends retries at once with retryBackoff false (and when none is given)', async () => {
    for (const retryBackoff of [false as const, undefined]) {
      bus = new InProcessBus();
      const time = new SimulatedScheduler(0);
      const sent = dispatcher(bus, time, (t) => t.attempt === 3);
      const run = supervisedRun(bus, workflow([task('a')]), {
        scheduler: time,
        ...(retryBackoff === undefined ? {} : { retryBackoff }),
      }).start();
      const result = await run.result;
      expect(result.task_results.a).toEqual({ status: 'complete', attempts: 3 });
      expect(sent.map((x) => x.at)).toEqual([0, 0, 0]);
      await bus.close();
    }
  });

  it('resumes a run stopped while a retry was held: the retry goes out when its recorded delay ends, not after a new one', async () => {
    bus = new InProcessBus();
    const time = new SimulatedScheduler(0);
    const wf = workflow([task('a'), task('b')]);
    const store = new MemoryStore();
    recordSteps(bus, store, time);
    // b hangs; a fails once, and its retry is held 1000 × (1 − 0.5 × 0.5) = 750 ms.
    dispatcher(bus, time, (t) => (t.task_id === 'a' ? false : undefined));
    const first = supervisedRun(bus, wf, {
      scheduler: time,
      retryBackoff: { initialMs: 1000, jitter: 0.5, random: () => 0.5 },
      ...journal(wf),
    }).start();
    await settle(bus);
    await time.advanceAsync(300);
    first.cancel('the process stops');
    await expect(first.result).rejects.toMatchObject({ code: 'CLOSED' });
    await settle(bus);
    await bus.close();

    const recorded = latest(store, runRecord(store, 'r1'));
    expect(recorded.checkpoint).toBeDefined();
    bus = new InProcessBus();
    const sent = dispatcher(bus, time, () => true);
    // A resumed run whose random source would draw a very different delay: it must not be asked.
    let draws = 0;
    const second = supervisedRun(bus, wf, {
      scheduler: time,
      retryBackoff: {
        initialMs: 60_000,
        jitter: 1,
        random: () => {
          draws++;
          return 0;
        },
      },
      journal: { checkpointEvery: 1000 },
      resume: recorded,
    }).start();
    await settle(bus);
    // b (cut off while in flight) goes again at once; a waits until 750.
    expect(sent).toEqual([{ task: 'b', attempt: 1, at: 300 }]);
    await time.advanceAsync(449);
    await settle(bus);
    expect(sent).toHaveLength(1);
    await time.advanceAsync(1);
    const result = await second.result;
    expect(sent.at(-1)).toEqual({ task: 'a', attempt: 2, at: 750 });
    expect(result.status).toBe('complete');
    expect(draws).toBe(0);
  });

  it('reads held retries and the deadline back from the steps after a checkpoint (later events win)', () => {
    const step = (seq: number, events: LoggedEvent[]) => ({ seq, at: 0, events });
    const read = recordedResilience({
      record: {} as never,
      checkpoint: {
        seq: 1,
        state: {
          switchyard: {
            run: { resilience: { deadline_at: 5000, held_retries: [{ task_id: 'x', attempt: 2, due_at: 40 }] } },
          },
        },
      },
      steps: [
        step(2, [{ type: 'retry_delayed', at: 100, task_id: 'a', attempt: 2, delay_ms: 50 }]),
        step(3, [{ type: 'retry_delayed', at: 300, task_id: 'a', attempt: 3, delay_ms: 80 }]),
        step(4, [
          { type: 'run_resumed', at: 400, redispatched: [] },
          { type: 'deadline_set', deadline_at: 9000 },
        ]),
      ],
    });
    expect(read.deadlineAt).toBe(9000);
    expect([...read.held.values()]).toEqual([
      { taskId: 'x', attempt: 2, dueAt: 40 },
      { taskId: 'a', attempt: 3, dueAt: 380 },
    ]);
  });

  it('draws every delay within its jitter bounds, growing with the attempt and never past the cap (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 0.999_999, noNaN: true }), { minLength: 1, maxLength: 10 }),
        (initialMs, factor, extra, jitter, draws) => {
          const maxMs = initialMs + extra;
          const time = new SimulatedScheduler(0);
          const delays: Array<[attempt: number, ms: number, draw: number]> = [];
          let k = 0;
          let last = 0;
          const hold = new RetryHold({
            scheduler: time,
            backoff: { initialMs, factor, maxMs, jitter, random: () => (last = draws[k++ % draws.length]) },
            ids: ['a'],
            onDelayed: (_task, attempt, ms) => delays.push([attempt, ms, last]),
            onDue: () => undefined,
          });
          for (let attempt = 2; attempt <= 12; attempt++) {
            const record = { task: 0, attempt } as DispatchRecord;
            hold.admit(record, true);
            hold.drop(0);
          }
          let previous = 0;
          for (const [attempt, d, draw] of delays) {
            const i = attempt - 2;
            const full = Math.min(maxMs, initialMs * factor ** i);
            expect(d).toBeGreaterThan(0);
            expect(d).toBeLessThanOrEqual(Math.ceil(full));
            expect(d).toBeGreaterThanOrEqual(Math.floor(full * (1 - jitter)));
            expect(d).toBe(backoffDelay(i, { initialMs, factor, maxMs, jitter }, () => draw));
            if (jitter === 0) expect(d).toBeGreaterThanOrEqual(previous);
            previous = d;
          }
          // Without jitter every retry is held (each wait is at least initialMs ≥ 1).
          if (jitter === 0) expect(delays.map(([a]) => a)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
          expect(time.pending).toBe(0);
        },
      ),
    );
  });
});

describe('run deadline (simulated time)', () => {
  let bus: InProcessBus;
  afterEach(async () => bus.close());

  it('cancels what is out, never sends what waits, and ends failed with RUN_DEADLINE_EXCEEDED, journaled', async () => {
    bus = new InProcessBus();
    const time = new SimulatedScheduler(0);
    const cancels: unknown[] = [];
    bus.subscribe(s.cancel('rt'), (m) => void cancels.push(m.data));
    // a hangs; b (after a) never goes; c completes.
    const sent = dispatcher(bus, time, (t) => (t.task_id === 'c' ? true : undefined));
    const wf = workflow([task('a'), task('b', ['a']), task('c')]);
    const store = new MemoryStore();
    const events = recordSteps(bus, store, time);
    const run = supervisedRun(bus, wf, { scheduler: time, maxExecutionTimeMs: 1000, ...journal(wf) }).start();
    await settle(bus);
    await time.advanceAsync(999);
    await settle(bus);
    expect(run.ended).toBe(false);
    await time.advanceAsync(1);
    const result = await run.result;
    expect(result.status).toBe('failed');
    expect(result.task_results.a).toMatchObject({ status: 'failed' });
    expect(result.task_results.b?.status).toBe('skipped');
    expect(result.task_results.c?.status).toBe('complete');
    expect((result.failure_summary as { failed: unknown[] }).failed).toEqual([
      expect.objectContaining({ task_id: 'a', error_code: 'RUN_DEADLINE_EXCEEDED' }),
    ]);
    expect(run.state().switchyard.run.error?.code).toBe('RUN_DEADLINE_EXCEEDED');
    expect(sent.map((x) => x.task).sort()).toEqual(['a', 'c']);
    await settle(bus);
    expect(cancels).toEqual([{ type: 'CancelAttempt', request_id: expect.stringContaining('r1_') }]);
    await settle(bus);
    const types = events.map((e) => e.type);
    expect(events.slice(1, 3)).toEqual([
      { type: 'run_started', at: 0 },
      { type: 'deadline_set', deadline_at: 1000 },
    ]);
    expect(types).toContain('deadline_exceeded');
    expect(types.at(-1)).toBe('run_completed');
    expect(store.getRun('r1')?.status).toBe('failed');
    expect(time.pending).toBe(0);
    // Replay feeds deadline_exceeded back to the core: the same final state.
    expect(replayed(store, 'r1')).toEqual(run.state());
  });

  it('a resumed run keeps the deadline it started with, and ends at once if it has passed', async () => {
    bus = new InProcessBus();
    const time = new SimulatedScheduler(0);
    const wf = workflow([task('a')]);
    const store = new MemoryStore();
    recordSteps(bus, store, time);
    dispatcher(bus, time, () => undefined);
    const first = supervisedRun(bus, wf, { scheduler: time, maxExecutionTimeMs: 500, ...journal(wf) }).start();
    await settle(bus);
    await time.advanceAsync(200);
    first.cancel('the process stops');
    await expect(first.result).rejects.toMatchObject({ code: 'CLOSED' });
    await settle(bus);
    await bus.close();
    const resumeAt = async (delayMs: number) => {
      bus = new InProcessBus();
      const sent = dispatcher(bus, time, () => undefined);
      await time.advanceAsync(delayMs);
      const run = supervisedRun(bus, wf, {
        scheduler: time,
        maxExecutionTimeMs: 60_000,
        resume: latest(store, runRecord(store, 'r1')),
      }).start();
      await settle(bus);
      return { run, sent };
    };
    const early = await resumeAt(100);
    expect(early.sent).toEqual([{ task: 'a', attempt: 1, at: 300 }]);
    expect(time.nextDue).toBe(500);
    early.run.cancel();
    await expect(early.run.result).rejects.toMatchObject({ code: 'CLOSED' });
    await bus.close();
    const late = await resumeAt(1000);
    const result = await late.run.result;
    expect(late.sent).toEqual([]);
    expect(result.status).toBe('failed');
  });
});

describe('WorkflowRun.cancelTask', () => {
  let bus: InProcessBus;
  afterEach(async () => bus.close());

  it('cancels the attempt on its runtime, fails the task with CANCELLED, skips its dependents, lets the rest finish', async () => {
    bus = new InProcessBus();
    const time = new SimulatedScheduler(0);
    const cancels: unknown[] = [];
    bus.subscribe(s.cancel('rt'), (m) => void cancels.push(m.data));
    const sent = dispatcher(bus, time, (t) => (t.task_id === 'a' ? undefined : true));
    const wf = workflow([task('a'), task('b', ['a']), task('c')]);
    const store = new MemoryStore();
    const events = recordSteps(bus, store, time);
    const run: WorkflowRun = supervisedRun(bus, wf, {
      scheduler: time,
      ...journal(wf),
    }).start();
    await settle(bus);
    expect(thrown(() => run.cancelTask('nope')).code).toBe('TASK_NOT_FOUND');
    expect(thrown(() => run.cancelTask('c')).code).toBe('TASK_ENDED');
    run.cancelTask('a', 'no longer wanted');
    const result = await run.result;
    expect(result.status).toBe('partial');
    expect(result.task_results.a).toMatchObject({ status: 'failed', attempts: 1 });
    expect(result.task_results.b?.status).toBe('skipped');
    expect(run.state().failure_log[0]).toMatchObject({
      task_id: 'a',
      error_code: 'CANCELLED',
      error_message: 'no longer wanted',
      recoverable: false,
      downstream_impact: ['b'],
    });
    expect(sent.map((x) => x.task)).toEqual(['a', 'c']);
    await settle(bus);
    expect(cancels).toEqual([{ type: 'CancelAttempt', request_id: 'r1_0_1' }]);
    expect(thrown(() => run.cancelTask('a')).code).toBe('TASK_ENDED');
    await settle(bus);
    expect(events).toContainEqual({ type: 'task_cancelled', at: 0, task_id: 'a', reason: 'no longer wanted' });
    // Replay feeds task_cancelled back to the core: the same final state.
    expect(replayed(store, 'r1')).toEqual(run.state());
  });

  it('through the actor: a cancelTask command does the same, and one for an unknown task changes nothing', async () => {
    bus = new InProcessBus();
    const time = new SimulatedScheduler(0);
    dispatcher(bus, time, (t) => (t.task_id === 'a' ? undefined : true));
    const run = supervisedRun(bus, workflow([task('a'), task('b', ['a']), task('c')]), { scheduler: time }).start();
    await settle(bus);
    run.actor.send({ type: 'cancelTask', taskId: 'nope' });
    expect(run.ended).toBe(false);
    run.actor.send({ type: 'cancelTask', taskId: 'a' });
    const result = await run.result;
    expect(result.task_results.a?.status).toBe('failed');
    expect(result.task_results.b?.status).toBe('skipped');
    expect(run.state().failure_log[0]).toMatchObject({
      error_code: 'CANCELLED',
      error_message: 'cancelled from its actor',
    });
  });

  it('under the inspector, cancels on the live task actors the same way (one in progress, one never sent)', async () => {
    bus = new InProcessBus();
    const time = new SimulatedScheduler(0);
    dispatcher(bus, time, (t) => (t.task_id === 'a' ? undefined : true));
    const wf = workflow([task('a'), task('b', ['a']), task('c', ['a']), task('d')]);
    const run = supervisedRun(bus, wf, { scheduler: time, inspect: () => undefined }).start();
    await settle(bus);
    run.cancelTask('c', 'not wanted');
    run.cancelTask('a', 'stuck');
    const result = await run.result;
    const statuses = Object.fromEntries(Object.entries(result.task_results).map(([id, r]) => [id, r.status]));
    expect(statuses).toEqual({ a: 'failed', b: 'skipped', c: 'failed', d: 'complete' });
    const children = run.actor.getSnapshot().context.tasks.map((t) => [t.id, t.getSnapshot().value]);
    expect(children).toEqual([
      ['a', 'failed'],
      ['b', 'skipped'],
      ['c', 'failed'],
      ['d', 'complete'],
    ]);
  });

  it('cancels a retry held back for its backoff: it is never sent', async () => {
    bus = new InProcessBus();
    const time = new SimulatedScheduler(0);
    const sent = dispatcher(bus, time, () => false);
    const run = supervisedRun(bus, workflow([task('a')]), {
      scheduler: time,
      retryBackoff: { initialMs: 100, jitter: 0 },
    }).start();
    await settle(bus);
    expect(time.nextDue).toBe(100);
    run.cancelTask('a');
    const result = await run.result;
    expect(result.task_results.a).toMatchObject({ status: 'failed', attempts: 2 });
    expect(sent).toHaveLength(1);
    expect(time.pending).toBe(0);
  });
});
