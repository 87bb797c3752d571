import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createRuntime, MemoryStore, type Runtime } from '../../src/index.js';
import { rebuild, rebuiltState } from '../../src/journal/replay.js';
import { latest, runRecord } from '../../src/journal/recorded-run.js';
import { thrown } from '../helpers/errors.js';
import { examplePlan, planWith, TEST_AGENTS } from '../helpers/fixtures.js';
import { passEachDeadline, TimerWatch } from '../helpers/timer-watch.js';

const AGENTS = TEST_AGENTS;
const quiet = pino({ level: 'silent' });

/** A pino logger whose lines land in `lines`. */
function capturing(lines: Array<Record<string, unknown>>) {
  return pino(
    { level: 'info' },
    new Writable({
      write: (chunk: Buffer, _enc, done) => {
        lines.push(JSON.parse(chunk.toString()));
        done();
      },
    }),
  );
}

/** The run's state as a new process would rebuild it from the store. */
function fromStore(store: MemoryStore, runId: string) {
  const record = runRecord(store, runId);
  const { checkpoint, steps } = latest(store, record);
  const rebuilt = rebuild(record, checkpoint, steps);
  if (!rebuilt.ok) throw rebuilt.error;
  return rebuiltState(rebuilt.value);
}

describe('createRuntime with a store', () => {
  const store = new MemoryStore();
  let rt: Runtime;
  beforeAll(async () => {
    rt = await createRuntime({ agents: [AGENTS], store, taskTimeoutMs: 2000, heartbeatMs: 100, logger: quiet });
  });
  afterAll(async () => {
    await rt.close();
  });

  it('records a run step by step, and has its last step on file when the result comes: the store rebuilds exactly the live final state', async () => {
    const run = rt.submit(planWith({ task_5: '[throw]' }), { runId: 'ex4' });
    const result = await run.result;
    // Once the result is out, the run is on file: no flush, no close needed.
    expect(result.status).toBe('partial');
    const record = store.getRun('ex4')!;
    expect(record).toMatchObject({
      status: 'partial',
      counts: { total: 12, completed: 7, failed: 1, skipped: 4, in_progress: 0 },
      result,
    });
    expect(fromStore(store, 'ex4')).toEqual(run.state());
    const events = store.stepsAfter('ex4', 0).flatMap((s) => s.events.map((e) => e.type));
    expect(events[0]).toBe('plan_accepted');
    expect(events.at(-1)).toBe('run_completed');
    expect(events.filter((t) => t === 'task_retried')).toHaveLength(2);
    expect(events.filter((t) => t === 'task_skipped')).toHaveLength(4);
    expect(events).toContain('ref_resolved');
    // The lease is let go once the run is recorded as ended.
    await vi.waitFor(() => expect(store.getLease('ex4')).toBeUndefined());
  });

  it('records a dispatch failure in the run log and as a runtime event (seed 000)', async () => {
    const plan = examplePlan() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- editing fixture JSON
    plan.output.content.workflow.tasks.task_1.capability_ids = ['CAP-NOBODY-001'];
    // Refused at submit by default, leaving no trace in the store; let through, it fails when dispatched.
    expect(() => rt.submit(plan, { runId: 'nobody' })).toThrow(
      expect.objectContaining({ code: 'CAPABILITY_NOT_AVAILABLE' }),
    );
    expect(store.getRun('nobody')).toBeUndefined();
    const result = await rt.submit(plan, { runId: 'nobody', checkCapabilities: false }).result;
    await rt.bus.flush();
    expect(result.task_results.task_1.status).toBe('failed');
    const logged = store
      .stepsAfter('nobody', 0)
      .flatMap((s) => s.events)
      .find((e) => e.type === 'dispatch_failed');
    expect(logged).toMatchObject({ task_id: 'task_1', code: 'CAPABILITY_NOT_AVAILABLE' });
    expect(store.runtimeEvents(50).some((e) => e.type === 'AgentDispatchFailed' && e.workflow_id === 'nobody')).toBe(
      true,
    );
    expect(store.runtimeEvents(50).some((e) => e.type === 'AgentRuntimeRegistered')).toBe(true);
  });

  it('refuses a run id the store already has, and resuming what cannot be resumed', () => {
    expect(thrown(() => rt.submit(examplePlan(), { runId: 'ex4' })).code).toBe('RUN_EXISTS');
    expect(thrown(() => rt.resume('ex4')).code).toBe('RUN_ENDED');
    expect(thrown(() => rt.resume('never')).code).toBe('RUN_NOT_FOUND');
  });

  it('gives new runs unique ids when none is given', () => {
    const a = rt.submit(examplePlan());
    const b = rt.submit(examplePlan());
    expect(a.id).not.toBe(b.id);
    expect(a.id).toMatch(/^run-[0-9a-z]+-[0-9a-f]{6}$/u);
    a.cancel();
    b.cancel();
  });
});

describe('resume', () => {
  it('continues a stopped run on a new runtime: completed tasks stay done, cut-off attempts go again, stale results are ignored', async () => {
    const store = new MemoryStore();
    const first = await createRuntime({ agents: [AGENTS], store, logger: quiet });
    const plan = planWith({ task_9: '[hang]', task_10: '[hang]' });
    const run = first.submit(plan, { runId: 'r1' });
    const started: string[] = [];
    run.on('dispatch', (m) =>
      started.push(`${m.output.content.dispatch.task_id}#${m.output.content.dispatch.attempt}`),
    );
    // Stop while task_9 and task_10 hang: the runtime goes away with them in flight.
    await vi.waitFor(() => expect(started).toEqual(expect.arrayContaining(['task_9#1', 'task_10#1'])), {
      timeout: 5000,
    });
    await first.close({ cancel: true });
    await expect(run.result).rejects.toMatchObject({ code: 'CLOSED' });
    expect(store.getRun('r1')?.status).toBe('cancelled');
    const before = fromStore(store, 'r1');
    expect(before.task_states.task_9.status).toBe('in_progress');
    const done = Object.entries(before.task_states)
      .filter(([, t]) => t.status === 'complete')
      .map(([id]) => id);
    expect(done).toHaveLength(9);

    // The recorded plan still says [hang]: a short deadline lets the resumed run fail them and
    // end — on simulated time, passed as soon as each attempt's deadline is armed; retries at once.
    const lines: Array<Record<string, unknown>> = [];
    const time = new TimerWatch(0);
    const second = await createRuntime({
      agents: [AGENTS],
      store,
      scheduler: time,
      retryBackoff: false,
      taskTimeoutMs: 300,
      maxAttempts: 3,
      logger: capturing(lines),
    });
    const resumed = second.resume('r1');
    const again: string[] = [];
    resumed.on('dispatch', (m) =>
      again.push(`${m.output.content.dispatch.task_id}#${m.output.content.dispatch.attempt}`),
    );
    // A result meant for the process before the resume (its old request id) changes nothing.
    await vi.waitFor(() => expect(again.length).toBeGreaterThan(0));
    second.bus.publish('switchyard.events.agent.instance.r1_8_1.result', {
      type: 'AgentExecutionResult',
      request_id: 'r1_8_1',
      workflow_id: 'r1',
      task_id: 'task_9',
      attempt: 1,
      runtime_id: 'gone',
      outcome: { status: 'complete', output_refs_produced: [] },
      at: '2026-11-21T00:00:00Z',
    });
    // Only now may the resumed attempts meet their deadlines: the stale result came while they were open.
    await passEachDeadline(time, 300, resumed, (id) => id === 'task_9' || id === 'task_10');
    const result = await resumed.result;
    await second.close();
    // Nothing recorded complete was dispatched again; the two cut-off attempts went again under attempt 1.
    expect(again.filter((a) => done.includes(a.split('#')[0]))).toEqual([]);
    expect(again.slice(0, 2).sort()).toEqual(['task_10#1', 'task_9#1']);
    expect(result.task_results.task_9).toEqual({ status: 'failed', attempts: 3 });
    expect(
      lines.some((l) => l.msg === 'result for an attempt no longer open ignored' && l.request_id === 'r1_8_1'),
    ).toBe(true);
    expect(store.getRun('r1')).toMatchObject({ status: 'partial', result });
    expect(fromStore(store, 'r1')).toEqual(resumed.state());
  });

  it('resumes under the inspector: each task actor catches up with the recorded state, and the run ends as it does without', async () => {
    /** A run of the example plan stopped while task_9 hangs, then resumed (inspected or not). */
    const stopAndResume = async (inspect?: (e: InspectionEvent) => void) => {
      const store = new MemoryStore();
      const first = await createRuntime({ agents: [AGENTS], store, logger: quiet });
      const run = first.submit(planWith({ task_9: '[hang]' }), { runId: 'r2' });
      const started: string[] = [];
      run.on('dispatch', (m) => started.push(m.output.content.dispatch.task_id));
      await vi.waitFor(() => expect(started).toContain('task_9'), { timeout: 5000 });
      await first.close({ cancel: true });
      const time = new TimerWatch(0);
      const second = await createRuntime({
        agents: [AGENTS],
        store,
        scheduler: time,
        retryBackoff: false,
        taskTimeoutMs: 300,
        logger: quiet,
        ...(inspect ? { inspect } : {}),
      });
      try {
        const resumed = second.resume('r2');
        await passEachDeadline(time, 300, resumed, (id) => id === 'task_9');
        const result = await resumed.result;
        expect(fromStore(store, 'r2')).toEqual(resumed.state());
        return result;
      } finally {
        await second.close();
      }
    };
    const seen: InspectionEvent[] = [];
    const inspected = await stopAndResume((e) => seen.push(e));
    const plain = await stopAndResume();
    expect(inspected.status).toBe('partial');
    expect(inspected.task_results).toEqual(plain.task_results);
    const eventsOf = (id: string) =>
      seen
        .filter((e) => e.type === '@xstate.event' && (e.actorRef as unknown as { id: string }).id === id)
        .map((e) => (e as { event: { type: string } }).event.type);
    // task_1 was complete before the stop: its actor caught up to it and got nothing more.
    expect(eventsOf('task_1')).toEqual(['xstate.init', 'READY', 'DISPATCH', 'SUCCEED']);
    // task_9 was in flight: caught up to in_progress, then its attempts timed out for real.
    expect(eventsOf('task_9').slice(0, 3)).toEqual(['xstate.init', 'READY', 'DISPATCH']);
    expect(eventsOf('task_9').filter((t) => t === 'FAIL')).toHaveLength(3);
  });

  it('refuses a second runtime driving the same run while the first holds it', async () => {
    const store = new MemoryStore();
    const a = await createRuntime({ agents: [AGENTS], store, logger: quiet });
    const b = await createRuntime({ agents: [AGENTS], store, logger: quiet });
    try {
      const run = a.submit(planWith({ task_1: '[hang]' }), { runId: 'shared' });
      expect(thrown(() => b.resume('shared')).code).toBe('RUN_LOCKED');
      await vi.waitFor(() => expect(store.getRun('shared')).toBeDefined());
      expect(thrown(() => b.resume('shared')).code).toBe('RUN_LOCKED');
      run.cancel();
    } finally {
      await a.close({ cancel: true });
      await b.close({ cancel: true });
    }
  });

  it('refuses to resume without a store', async () => {
    const bare = await createRuntime({ agents: [AGENTS], logger: quiet });
    try {
      expect(thrown(() => bare.resume('x')).code).toBe('UNSUPPORTED');
    } finally {
      await bare.close();
    }
  });
});
