import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRuntime, type Runtime } from '../../src/index.js';
import { planWith, TEST_AGENTS } from '../helpers/fixtures.js';

const quiet = pino({ level: 'silent' });

describe('resilience on real worker threads', () => {
  let rt: Runtime | undefined;
  afterEach(async () => {
    await rt?.close({ cancel: true });
    rt = undefined;
  });

  it('ends a run at its deadline: the slow attempt is cancelled, nothing more is sent, the run fails RUN_DEADLINE_EXCEEDED', async () => {
    rt = await createRuntime({ agents: [TEST_AGENTS], logger: quiet, maxExecutionTimeMs: 60_000 });
    // task_3 works until its signal aborts; the submit's deadline overrides the runtime's.
    const run = rt.submit(planWith({ task_3: '[until-cancelled]' }), { maxExecutionTimeMs: 1500 });
    const sent: string[] = [];
    run.on('dispatch', (m) => sent.push(m.output.content.dispatch.task_id));
    const result = await run.result;
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
    rt = await createRuntime({
      agents: [TEST_AGENTS],
      logger: quiet,
      retryBackoff: { baseMs: 200, factor: 2, jitter: 0 },
    });
    const run = rt.submit(planWith({ task_1: '[throw]' }));
    const times: number[] = [];
    run.on('dispatch', (m) => {
      if (m.output.content.dispatch.task_id === 'task_1') times.push(performance.now());
    });
    const result = await run.result;
    expect(result.task_results.task_1).toMatchObject({ status: 'failed', attempts: 3 });
    expect(times).toHaveLength(3);
    // Timers never fire early by more than Node's 1 ms rounding.
    expect(times[1] - times[0]).toBeGreaterThanOrEqual(199);
    expect(times[2] - times[1]).toBeGreaterThanOrEqual(399);
  });
});
