import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WorkflowRun } from '../../src/actors/workflow-run.js';
import { SimulatedScheduler } from '../../src/core/scheduler.js';
import { createRuntime, type Runtime } from '../../src/index.js';
import { planWith, TEST_AGENTS } from '../helpers/fixtures.js';

const quiet = pino({ level: 'silent' });

/**
 * Resolves once `done` holds, checked at each of the run's `dispatch` and `result` events (and at
 * once): how these tests wait for the state they need before they move simulated time on.
 */
function until(run: WorkflowRun, done: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!done()) return;
      run.off('dispatch', check);
      run.off('result', check);
      resolve();
    };
    run.on('dispatch', check);
    run.on('result', check);
    // A run that ends first would leave the test waiting for its timeout: fail it at once instead.
    run.result.then(
      () => (done() ? resolve() : reject(new Error('the run ended before the state the test waits for'))),
      reject,
    );
    check();
  });
}

describe('resilience on real worker threads', () => {
  let rt: Runtime | undefined;
  afterEach(async () => {
    await rt?.close({ cancel: true });
    rt = undefined;
  });

  it('ends a run at its deadline: the slow attempt is cancelled, nothing more is sent, the run fails RUN_DEADLINE_EXCEEDED', async () => {
    const time = new SimulatedScheduler(0);
    rt = await createRuntime({ agents: [TEST_AGENTS], logger: quiet, maxExecutionTimeMs: 60_000, scheduler: time });
    // task_3 works until its signal aborts; the submit's deadline overrides the runtime's.
    const run = rt.submit(planWith({ task_3: '[until-cancelled]' }), { maxExecutionTimeMs: 1500 });
    const sent: string[] = [];
    const completed = new Set<string>();
    run.on('dispatch', (m) => sent.push(m.output.content.dispatch.task_id));
    run.on('result', (r) => r.outcome.status === 'complete' && completed.add(r.task_id));
    // Everything that can end before the deadline has: task_4 done, task_3 out and working.
    await until(run, () => completed.has('task_4') && sent.includes('task_3'));
    await time.advanceAsync(1499);
    expect(run.ended).toBe(false);
    await time.advanceAsync(1);
    const result = await run.result;
    expect(time.now()).toBe(1500);
    expect(result.status).toBe('failed');
    expect(result.task_results.task_3).toMatchObject({ status: 'failed' });
    expect(result.task_results.task_4).toMatchObject({ status: 'complete' });
    expect(result.task_results.task_5?.status).toBe('skipped');
    const state = run.state();
    expect(state.switchyard.run.error?.code).toBe('RUN_DEADLINE_EXCEEDED');
    expect(state.failure_log).toEqual([
      expect.objectContaining({ task_id: 'task_3', error_code: 'RUN_DEADLINE_EXCEEDED', recoverable: false }),
    ]);
    expect(sent.sort()).toEqual(['task_1', 'task_2', 'task_3', 'task_4']);
    // task_3's worker was told to cancel, saw its signal abort and returned: nothing is in flight.
    const inFlight = () => rt!.dispatcher.actor.getSnapshot().context.runtimes.reduce((n, r) => n + r.in_flight, 0);
    await vi.waitFor(() => expect(inFlight()).toBe(0));
  });

  it('cancels one task of a live run: its worker attempt is aborted, it fails CANCELLED, its dependents are skipped, the rest completes', async () => {
    rt = await createRuntime({ agents: [TEST_AGENTS], logger: quiet });
    const run = rt.submit(planWith({ task_3: '[until-cancelled]' }));
    run.on('dispatch', (m) => {
      if (m.output.content.dispatch.task_id === 'task_3') run.cancelTask('task_3', 'operator');
    });
    const result = await run.result;
    expect(result.status).toBe('partial');
    const statuses = Object.fromEntries(Object.entries(result.task_results).map(([id, r]) => [id, r.status]));
    expect(statuses).toEqual({
      task_1: 'complete',
      task_2: 'complete',
      task_3: 'failed',
      task_4: 'complete',
      task_5: 'skipped',
      task_6: 'skipped',
      task_7: 'skipped',
      task_8: 'skipped',
      task_9: 'skipped',
      task_10: 'skipped',
      task_11: 'skipped',
      task_12: 'skipped',
    });
    expect(run.state().failure_log[0]).toMatchObject({ task_id: 'task_3', error_code: 'CANCELLED' });
    // The handler saw its signal abort and returned: its worker holds nothing any more.
    const inFlight = () => rt!.dispatcher.actor.getSnapshot().context.runtimes.reduce((n, r) => n + r.in_flight, 0);
    await vi.waitFor(() => expect(inFlight()).toBe(0));
    expect(() => run.cancelTask('task_3')).toThrow(expect.objectContaining({ code: 'TASK_ENDED' }));
  });

  it('refuses bad resilience options eagerly, naming the value (INVALID_INPUT)', async () => {
    for (const retryBackoff of [{ jitter: 2 }, { baseMs: -1 }, { factor: 0.5 }, { maxMs: 10, baseMs: 100 }])
      await expect(createRuntime({ agents: [TEST_AGENTS], logger: quiet, retryBackoff })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    await expect(createRuntime({ agents: [TEST_AGENTS], logger: quiet, maxExecutionTimeMs: 0 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
    rt = await createRuntime({ agents: [TEST_AGENTS], logger: quiet });
    expect(() => rt!.submit(planWith({}), { maxExecutionTimeMs: 1.5 })).toThrow(
      expect.objectContaining({ code: 'INVALID_INPUT', message: expect.stringContaining('`1.5`') }),
    );
  });

  it('waits the backoff between attempts of a failing task', async () => {
    const time = new SimulatedScheduler(0);
    rt = await createRuntime({
      agents: [TEST_AGENTS],
      logger: quiet,
      retryBackoff: { baseMs: 200, factor: 2, jitter: 0 },
      scheduler: time,
    });
    const run = rt.submit(planWith({ task_1: '[throw]' }));
    const times: number[] = [];
    let failures = 0;
    run.on('dispatch', (m) => {
      if (m.output.content.dispatch.task_id === 'task_1') times.push(time.now());
    });
    run.on('result', (r) => r.task_id === 'task_1' && r.outcome.status === 'failed' && failures++);
    // Each retry is held exactly its delay (200 ms, then 400 ms): not sent a millisecond before.
    for (const [attempt, delay] of [
      [1, 200],
      [2, 400],
    ]) {
      await until(run, () => failures === attempt);
      await time.advanceAsync(delay - 1);
      expect(times).toHaveLength(attempt);
      await time.advanceAsync(1);
      await until(run, () => times.length === attempt + 1);
    }
    const result = await run.result;
    expect(result.task_results.task_1).toMatchObject({ status: 'failed', attempts: 3 });
    expect(times).toEqual([0, 200, 600]);
  });
});
