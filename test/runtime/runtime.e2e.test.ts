import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createRuntime, type Runtime, subjects, type TaskDispatchMessage } from '../../src/index.js';
import { examplePlan, planWith, TEST_AGENTS } from '../helpers/fixtures.js';
import { TimerWatch } from '../helpers/timer-watch.js';

const AGENTS = TEST_AGENTS;
const quiet = pino({ level: 'silent' });
const patterns = subjects().patterns;

/**
 * Resolves once `holds()` is true: it looks at once, when what was published before has been
 * delivered, and a turn after each message on `pattern` (so after the dispatcher's own handler
 * of it) — waiting on events, never for a fixed time. The limit only turns a hang into a
 * failure; a slow machine takes longer, it does not fail.
 */
function until(rt: Runtime, pattern: string, holds: () => boolean, timeoutMs = 120_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const look = () => {
      if (done || !holds()) return;
      done = true;
      clearTimeout(limit);
      watch.unsubscribe();
      resolve();
    };
    const watch = rt.bus.subscribe(pattern, () => void setImmediate(look));
    const limit = setTimeout(() => {
      done = true;
      watch.unsubscribe();
      reject(new Error(`still not so after ${timeoutMs} ms: ${holds.toString()}`));
    }, timeoutMs);
    void rt.bus.flush().then(look);
  });
}

/** `until` the dispatcher has these runtimes registered: registrations, deregistrations and heartbeats are the events. */
const untilRegistered = (rt: Runtime, holds: (ids: string[]) => boolean) =>
  until(rt, patterns.runtimeDefinitions(), () =>
    holds(
      rt.dispatcher.registry
        .runtimes()
        .map((r) => r.runtimeId)
        .sort(),
    ),
  );

describe('createRuntime on real worker threads', () => {
  let rt: Runtime;
  // Limits far beyond what any attempt here takes, also on a loaded machine: the tests that are
  // about deadlines and heartbeats (below) set their own, and only their task meets them.
  beforeAll(async () => {
    rt = await createRuntime({
      agents: [AGENTS],
      pool: { maxThreads: 2, concurrentTasksPerWorker: 2 },
      taskTimeoutMs: 30_000,
      heartbeatMs: 1000,
      logger: quiet,
    });
  });
  afterAll(async () => {
    await rt.close();
  });

  it('runs the video-analysis plan to complete, with every derived ref created', async () => {
    const run = rt.submit(examplePlan());
    const dispatched: string[] = [];
    run.on('dispatch', (m) => dispatched.push(m.output.content.dispatch.task_id));
    const result = await run.result;
    expect(result.status).toBe('complete');
    expect([...dispatched].sort()).toEqual(Object.keys(result.task_results).sort());
    expect(dispatched.slice(0, 2)).toEqual(['task_1', 'task_2']);
    expect(
      result.derived_refs_final.every((r) => r.status === 'created' && r.storage_uri === `mem://${run.id}/${r.ref_id}`),
    ).toBe(true);
    expect(run.state().current_execution_group).toBe(7);
  });

  it("plays seed 003's Example 4: task_5 fails three times, task_7–10 skipped, task_12 on partial input", async () => {
    const run = rt.submit(planWith({ task_5: '[throw]' }));
    const task12: TaskDispatchMessage[] = [];
    run.on('dispatch', (m) => m.output.content.dispatch.task_id === 'task_12' && task12.push(m));
    const result = await run.result;
    expect(result.status).toBe('partial');
    expect(result.task_results.task_5).toEqual({ status: 'failed', attempts: 3 });
    for (const t of ['task_7', 'task_8', 'task_9', 'task_10']) expect(result.task_results[t].status).toBe('skipped');
    for (const t of ['task_6', 'task_11', 'task_12']) expect(result.task_results[t].status).toBe('complete');
    expect(task12[0].next_agent?.name).toBe('reasoning_agent');
    expect(task12[0].audit?.compliance_notes?.[0]).toContain('due to task_5 failure');
  });

  it('retries the attempt of a worker that crashed mid-task, on the replacement worker', async () => {
    const result = await rt.submit(planWith({ task_3: '[crash-once]' })).result;
    expect(result.status).toBe('complete');
    expect(result.task_results.task_3.attempts).toBe(2);
    // The replacement thread loads the handlers first: seconds, on a loaded machine. It registers,
    // and heartbeats after: each a definition event.
    await untilRegistered(rt, (ids) => ids.length === 2 && rt.pool!.runtimes().length === 2);
    expect(rt.pool!.runtimes()).toHaveLength(2);
    expect(rt.dispatcher.registry.runtimes()).toHaveLength(2);
  });

  it('refuses at submit a plan with tasks no registered runtime serves, naming each, and starts nothing', async () => {
    const plan = examplePlan() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- editing fixture JSON
    plan.output.content.workflow.tasks.task_6.capability_ids = ['CAP-XYZ-001'];
    plan.output.content.workflow.tasks.task_9.capability_ids = ['CAP-SYN-404', 'CAP-PRE-001'];
    const refusal = (fn: () => unknown) => {
      try {
        fn();
      } catch (error) {
        return error as { code: string; message: string; details: { tasks: unknown[] } };
      }
      throw new Error('expected a refusal');
    };
    const error = refusal(() => rt.submit(plan, { runId: 'unserved' }));
    expect(error.code).toBe('CAPABILITY_NOT_AVAILABLE');
    expect(error.message).toMatch(
      /^No registered runtime serves 2 tasks of this plan: task_6 \(execution_agent: CAP-XYZ-001\); task_9 \(reasoning_agent: CAP-SYN-404, CAP-PRE-001\)\./u,
    );
    expect(error.details.tasks).toEqual([
      { task_id: 'task_6', agent: 'execution_agent', capabilities: ['CAP-XYZ-001'] },
      { task_id: 'task_9', agent: 'reasoning_agent', capabilities: ['CAP-SYN-404', 'CAP-PRE-001'] },
    ]);
    await expect(rt.submitAsync(plan)).rejects.toMatchObject({ code: 'CAPABILITY_NOT_AVAILABLE' });
    expect(rt.active()).toEqual([]);
  });

  it('fails a task no runtime serves at once with CAPABILITY_NOT_AVAILABLE (no timeout wait) when the submit check is off', async () => {
    const plan = examplePlan() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- editing fixture JSON
    plan.output.content.workflow.tasks.task_6.capability_ids = ['CAP-XYZ-001'];
    const run = rt.submit(plan, { checkCapabilities: false });
    const result = await run.result;
    expect(result.task_results.task_6).toEqual({ status: 'failed', attempts: 1 });
    expect(run.state().failure_log.find((f) => f.task_id === 'task_6')).toMatchObject({
      error_code: 'CAPABILITY_NOT_AVAILABLE',
      recoverable: false,
    });
    expect(result.task_results.task_11.status).toBe('skipped');
    expect(result.status).toBe('partial');
  });

  it('refuses an invalid plan at submit with its code', () => {
    const plan = examplePlan() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- editing fixture JSON
    plan.output.content.workflow.tasks.task_1.depends_on = ['task_12'];
    expect(() => rt.submit(plan)).toThrow(expect.objectContaining({ code: 'PROCESSING_ERROR' }));
    for (const runId of ['bad.id', 'a/b', '__proto__'])
      expect(() => rt.submit(examplePlan(), { runId })).toThrow(expect.objectContaining({ code: 'INVALID_ID' }));
  });

  it('names runs uniquely across runtimes too, store or not (coordinators on one NATS hear each other)', async () => {
    const other = await createRuntime({ agents: [AGENTS], pool: { maxThreads: 1 }, logger: quiet });
    try {
      const a = rt.submit(examplePlan());
      const b = other.submit(examplePlan());
      expect(a.id).not.toBe(b.id);
      expect(a.id).toMatch(/^run-[0-9a-z]+-[0-9a-f]{6}$/u);
      await Promise.all([a.result, b.result]);
    } finally {
      await other.close();
    }
  });

  it('refuses a second run under the id of one still running, and takes the id again once it ended', async () => {
    const first = rt.submit(examplePlan(), { runId: 'same' });
    expect(() => rt.submit(examplePlan(), { runId: 'same' })).toThrow(expect.objectContaining({ code: 'RUN_EXISTS' }));
    expect((await first.result).status).toBe('complete');
    expect((await rt.submit(examplePlan(), { runId: 'same' }).result).status).toBe('complete');
  });
});

describe('supervision by time: deadlines and heartbeats', () => {
  /** A plan of one task: no other attempt for a loaded machine to delay past a deadline. */
  const oneTask = (id: string, action: string) => ({
    tasks: [{ id, action, capability_ids: ['CAP-PRE-001'], depends_on: [], input_refs: [], output_refs: [] }],
  });
  /** Failure codes of `taskId`'s attempts, as the run reports them. */
  const failuresOf = (run: ReturnType<Runtime['submit']>, taskId: string) => {
    const codes: string[] = [];
    run.on('result', (r) => r.task_id === taskId && r.outcome.status === 'failed' && codes.push(r.outcome.error.code));
    return codes;
  };

  it('declares a worker whose event loop is blocked defunct, retries its attempt elsewhere, and replaces the worker', async () => {
    // Blocked for good: three missed beats (600 ms) declare it defunct, its deadline (2 s) kills it.
    const rt = await createRuntime({
      agents: [AGENTS],
      pool: { maxThreads: 2, concurrentTasksPerWorker: 2 },
      taskTimeoutMs: 2000,
      heartbeatMs: 200,
      logger: quiet,
    });
    try {
      const run = rt.submit(oneTask('task_2', 'work [block-once]'));
      const codes = failuresOf(run, 'task_2');
      const result = await run.result;
      expect(result.status).toBe('complete');
      expect(['RUNTIME_LOST', 'TIMEOUT', 'WORKER_EXITED']).toContain(codes[0]);
      expect(result.task_results.task_2.attempts).toBe(codes.length + 1);
      // Killed at its deadline, the blocked worker is replaced, and the replacement registers.
      await untilRegistered(rt, (ids) => ids.length === 2 && rt.pool!.runtimes().every((r) => !r.exited));
      expect(rt.dispatcher.registry.runtimes()).toHaveLength(2);
    } finally {
      await rt.close({ cancel: true });
    }
  });

  it('registers again a worker declared defunct while its loop was busy, once it heartbeats again', async () => {
    // Busy 700 ms: more than three beats of 100 ms, far less than the deadline.
    const rt = await createRuntime({
      agents: [AGENTS],
      pool: { maxThreads: 2, concurrentTasksPerWorker: 2 },
      taskTimeoutMs: 30_000,
      heartbeatMs: 100,
      logger: quiet,
    });
    try {
      await untilRegistered(rt, (ids) => ids.length === 2);
      const before = rt
        .pool!.runtimes()
        .map((r) => r.runtimeId)
        .sort();
      const run = rt.submit(oneTask('task_1', 'work [busy-once]'));
      const codes = failuresOf(run, 'task_1');
      const result = await run.result;
      expect(result.status).toBe('complete');
      expect(codes[0]).toBe('RUNTIME_LOST');
      // Declared defunct while busy, it registers anew at its next heartbeat.
      await untilRegistered(rt, (ids) => ids.join() === before.join());
      expect(
        rt.dispatcher.registry
          .runtimes()
          .map((r) => r.runtimeId)
          .sort(),
      ).toEqual(before);
    } finally {
      await rt.close({ cancel: true });
    }
  });

  it('aborts a handler that runs past its deadline and fails it after three attempts', async () => {
    // It never ends by itself, so every attempt meets its deadline; on simulated time, each
    // deadline passes when the test moves time on, once the attempt has started (its timer is
    // set). Retries go out at once (no backoff), so the deadlines are the only time that passes.
    const time = new TimerWatch(0);
    const rt = await createRuntime({
      agents: [AGENTS],
      pool: { maxThreads: 1 },
      taskTimeoutMs: 300,
      retryBackoff: false,
      logger: quiet,
      scheduler: time,
    });
    try {
      const run = rt.submit(oneTask('task_4', 'work [hang]'));
      const codes = failuresOf(run, 'task_4');
      for (let attempt = 1; attempt <= 3; attempt++) {
        await time.armed(300);
        await time.advanceAsync(300);
      }
      const result = await run.result;
      expect(time.now()).toBe(900);
      expect(result.task_results.task_4).toEqual({ status: 'failed', attempts: 3 });
      expect(codes).toEqual(['TIMEOUT', 'TIMEOUT', 'TIMEOUT']);
      expect(result.status).toBe('partial');
    } finally {
      await rt.close({ cancel: true });
    }
  });
});

describe('inspector mode', () => {
  it('runs every task as an actor the inspector sees, with the same result', async () => {
    const seen = new Set<string>();
    const rt = await createRuntime({
      agents: [AGENTS],
      pool: { maxThreads: 1 },
      logger: quiet,
      inspect: (e) => e.type === '@xstate.actor' && seen.add((e.actorRef as unknown as { id: string }).id),
    });
    const result = await rt.submit(examplePlan(), { runId: 'watched' }).result;
    await rt.close();
    expect(result.status).toBe('complete');
    expect([...seen]).toEqual(['watched', ...Object.keys(result.task_results)]);
  });
});

describe('closing a runtime', () => {
  it('waits for a run to end by default, and cancels it with cancel: true', async () => {
    const rt = await createRuntime({ agents: [AGENTS], pool: { maxThreads: 1 }, logger: quiet });
    const finished = rt.submit(examplePlan());
    await rt.close();
    expect((await finished.result).status).toBe('complete');

    const rt2 = await createRuntime({ agents: [AGENTS], pool: { maxThreads: 1 }, logger: quiet });
    const run = rt2.submit(planWith({ task_1: '[hang]' }));
    await new Promise((resolve) => run.once('dispatch', resolve));
    await rt2.close({ cancel: true });
    await expect(run.result).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('refuses bad options with INVALID_INPUT naming the field', async () => {
    await expect(createRuntime({ agents: [] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(createRuntime({ agents: [AGENTS], taskTimeoutMs: -1 })).rejects.toThrow(/taskTimeoutMs/u);
  });
});

describe('cancelling a run', () => {
  it('withdraws its triggers still queued at the dispatcher, so they never run later', async () => {
    // No prefetch: the workers take one attempt each, and the dispatcher queues the other 8.
    const rt = await createRuntime({
      agents: [AGENTS],
      pool: { maxThreads: 2, concurrentTasksPerWorker: 1, prefetch: 0 },
      maxConcurrentTasks: 10,
      logger: quiet,
    });
    try {
      const tasks = Array.from({ length: 10 }, (_, i) => ({
        id: `hang_${i}`,
        action: 'wait [hang]',
        capability_ids: ['CAP-PRE-001'],
        depends_on: [],
        input_refs: [],
        output_refs: [],
      }));
      const run = rt.submit({ tasks });
      // Each trigger reaching the dispatcher is the event; two are placed, eight wait.
      await until(rt, patterns.triggers(), () => rt.dispatcher.queued === 8);
      run.cancel('test');
      await expect(run.result).rejects.toMatchObject({ code: 'CLOSED' });
      await rt.bus.flush();
      expect(rt.dispatcher.queued).toBe(0);
    } finally {
      await rt.close({ cancel: true });
    }
  });
});

describe('messages published by the embedding code on the in-process bus', () => {
  it('are checked in full: only the objects the actors built themselves skip the check', async () => {
    const rt = await createRuntime({ agents: [AGENTS], pool: { maxThreads: 1 }, logger: quiet });
    try {
      const [runtime] = rt.pool!.runtimes();
      // Shaped like what the dispatcher sends, but built here: refused with a coded error.
      const forged = {
        type: 'TriggerAgentBatch',
        triggers: [
          {
            type: 'TriggerAgent',
            request_id: 'x',
            workflow_id: 'w',
            agent_id: 'execution_agent',
            task_id: 't',
            attempt: 'one',
            dispatch: {},
            at: 'now',
          },
        ],
      };
      const reply = await rt.bus.request(`switchyard.commands.runtime.${runtime.runtimeId}.execute`, forged, {
        timeoutMs: 2000,
      });
      expect(reply.data).toMatchObject({ type: 'Error', code: 'INVALID_INPUT' });
      const refused = await rt.bus.request(
        'switchyard.commands.agent.w.trigger.execution_agent',
        { type: 'TriggerAgentBatch', triggers: [{ nope: true }] },
        { timeoutMs: 2000 },
      );
      expect(refused.data).toMatchObject({ type: 'Error', code: 'INVALID_INPUT' });
      // And the runtime still runs real work.
      expect((await rt.submit(examplePlan()).result).status).toBe('complete');
    } finally {
      await rt.close();
    }
  });
});
