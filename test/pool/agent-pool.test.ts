import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedScheduler } from '../../src/core/scheduler.js';
import type { Dispatch } from '../../src/index.js';
import { AgentPool, defaultPrefetch } from '../../src/pool/agent-pool.js';
import type { ExecuteRequest, ExecuteResult } from '../../src/pool/worker-protocol.js';

const AGENTS = new URL('../fixtures/agents/test-agents.ts', import.meta.url);
let pool: AgentPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

function request(taskId: string, action: string, attempt = 1): ExecuteRequest {
  const dispatch: Dispatch = {
    task_id: taskId,
    action,
    capability_ids: ['CAP-PRE-001'],
    input_refs_resolved: [{ ref_id: 'store_1', storage_uri: 'mem://w/store_1', status: 'stored' }],
    output_refs_expected: ['derived_1'],
    execution_group: 1,
    attempt,
    workflow_progress: { total_tasks: 1, completed: 0, in_progress: 1, pending: 0, failed: 0 },
  };
  return { request_id: `${taskId}-${attempt}`, workflow_id: 'w', agent_id: 'execution_agent', dispatch };
}

describe('AgentPool on real worker threads', () => {
  it('registers one runtime per thread with the agents of the handler modules', async () => {
    pool = await AgentPool.start({ modules: [AGENTS], maxThreads: 2, concurrentTasksPerWorker: 3 });
    const runtimes = pool.runtimes();
    expect(runtimes).toHaveLength(2);
    expect(new Set(runtimes.map((r) => r.threadId)).size).toBe(2);
    expect(runtimes[0].runtimeId).toMatch(/^local-t\d+$/u);
    // It runs 3 at once and, by default, holds max(4, 3) more.
    expect(runtimes[0].concurrency).toBe(3);
    expect(runtimes[0].capacity).toBe(3 + defaultPrefetch(3));
    expect(defaultPrefetch(3)).toBe(4);
    expect(defaultPrefetch(16)).toBe(16);
    expect(runtimes[0].agents.map((a) => a.agent_id)).toEqual(['execution_agent', 'reasoning_agent']);
  });

  it('holds prefetched attempts in the worker and starts each as the one before ends', async () => {
    pool = await AgentPool.start({ modules: [AGENTS], maxThreads: 1, concurrentTasksPerWorker: 1, prefetch: 2 });
    const [rt] = pool.runtimes();
    expect(rt).toMatchObject({ capacity: 3, concurrency: 1 });
    // Each handler reports progress as it starts, then works until cancelled: the test ends each
    // in turn and sees the next one start, and only then.
    const starts: string[] = [];
    let wake: () => void = () => undefined;
    pool.on('progress', (id) => {
      starts.push(id);
      wake();
    });
    const started = (count: number) =>
      new Promise<void>((resolve) => (wake = () => starts.length >= count && resolve()));
    const first = started(1);
    const results = Promise.all(['a', 'b', 'c'].map((id) => rt.execute(request(id, '[until-cancelled]'))));
    await first;
    for (const [id, next] of [
      ['a-1', 2],
      ['b-1', 3],
    ] as const) {
      expect(starts).toHaveLength(next - 1);
      const after = started(next);
      rt.cancel(id);
      await after;
    }
    rt.cancel('c-1');
    expect((await results).map((r) => r.type)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(starts).toEqual(['a-1', 'b-1', 'c-1']);
  });

  it('drops a held attempt that is cancelled before it starts, without running its handler', async () => {
    pool = await AgentPool.start({ modules: [AGENTS], maxThreads: 1, concurrentTasksPerWorker: 1, prefetch: 1 });
    const [rt] = pool.runtimes();
    const started: string[] = [];
    pool.on('progress', (id) => started.push(id));
    const hanging = rt.execute(request('h', '[hang]'));
    const held = rt.execute(request('later', 'ok'));
    // In the turn it was sent: the cancel must reach the worker after the attempt, not before.
    rt.cancel('later-1');
    expect(await held).toMatchObject({
      type: 'failed',
      error: { code: 'ABORTED', recoverable: true, message: expect.stringContaining('before it started') },
    });
    rt.cancel('h-1');
    expect(await hanging).toMatchObject({ type: 'failed', error: { code: 'ABORTED' } });
    expect(started).toEqual(['h-1']);
  });

  it('gives back a held attempt reclaimed in the turn it was sent, and runs on the one it started', async () => {
    pool = await AgentPool.start({ modules: [AGENTS], maxThreads: 1, concurrentTasksPerWorker: 1, prefetch: 2 });
    const [rt] = pool.runtimes();
    const started: string[] = [];
    pool.on('progress', (id) => started.push(id));
    const outcome = (taskId: string, action: string) =>
      new Promise<ExecuteResult | 'reclaimed'>((resolve) =>
        rt.send(request(taskId, action), { done: resolve, reclaimed: () => resolve('reclaimed') }),
      );
    const first = outcome('first', '[hang]');
    const second = outcome('second', 'ok');
    const third = outcome('third', 'ok');
    // Nothing has reached the worker yet: the reclaim must still find `second` held there.
    rt.reclaim(['first-1', 'second-1']);
    expect(await second).toBe('reclaimed');
    rt.cancel('first-1');
    expect(await first).toMatchObject({ type: 'failed', error: { code: 'ABORTED' } });
    expect(await third).toMatchObject({ type: 'succeeded' });
    expect(started).toEqual(['first-1', 'third-1']);
  });

  it("marks when a worker was last seen on the pool's scheduler: at registration, then at each heartbeat", async () => {
    const time = new SimulatedScheduler(5_000);
    pool = await AgentPool.start({ modules: [AGENTS], maxThreads: 1, heartbeatMs: 10, scheduler: time });
    const [rt] = pool.runtimes();
    expect(rt.lastSeen).toBe(5_000);
    // The worker beats on its own thread's timers; the host reads the time off the scheduler.
    time.advance(60_000);
    const beat = new Promise<number>((resolve) => pool!.once('heartbeat', (h) => resolve(h.lastSeen)));
    expect(await beat).toBe(65_000);
  });

  it('runs an attempt and returns what the handler produced', async () => {
    pool = await AgentPool.start({ modules: [AGENTS], maxThreads: 1 });
    const progress: unknown[] = [];
    pool.on('progress', (id, update) => progress.push([id, update]));
    const result = await pool.runtimes()[0].execute(request('task_1', 'extract'));
    expect(result).toEqual({
      type: 'succeeded',
      request_id: 'task_1-1',
      output: {
        output_refs_produced: [{ ref_id: 'derived_1', storage_uri: 'mem://w/derived_1' }],
        summary: 'task_1 done by 1 inputs',
      },
    });
    expect(progress).toEqual([['task_1-1', { percent: 50, message: 'working on task_1' }]]);
  });

  it('turns handler errors into failures with their recoverability', async () => {
    pool = await AgentPool.start({ modules: [AGENTS], maxThreads: 1 });
    const [rt] = pool.runtimes();
    expect(await rt.execute(request('a', '[throw]'))).toMatchObject({
      type: 'failed',
      error: { code: 'HANDLER_ERROR', recoverable: true },
    });
    expect(await rt.execute(request('b', '[throw-fatal]'))).toMatchObject({
      type: 'failed',
      error: { code: 'CORRUPT_INPUT', recoverable: false },
    });
    expect(await rt.execute(request('c', '[bad-output]'))).toMatchObject({
      type: 'failed',
      error: { code: 'INVALID_AGENT_OUTPUT', recoverable: false },
    });
  });

  it('aborts a hanging attempt on cancel', async () => {
    pool = await AgentPool.start({ modules: [AGENTS], maxThreads: 1 });
    const [rt] = pool.runtimes();
    const pending = rt.execute(request('h', '[hang]'));
    // In the turn it was sent: the cancel travels behind the attempt.
    rt.cancel('h-1');
    expect(await pending).toMatchObject({ type: 'failed', error: { code: 'ABORTED', recoverable: true } });
  });

  it('fails the attempts of a crashed worker as recoverable, and the replacement registers', async () => {
    pool = await AgentPool.start({ modules: [AGENTS], maxThreads: 1 });
    const [first] = pool.runtimes();
    const replaced = new Promise((resolve) => pool?.once('runtime', resolve));
    const result = await first.execute(request('x', '[crash]'));
    expect(result).toMatchObject({ type: 'failed', error: { code: 'WORKER_EXITED', recoverable: true } });
    await replaced;
    const [second] = pool.runtimes();
    // A new thread in the same slot: the same runtime id.
    expect(second.threadId).not.toBe(first.threadId);
    expect(second.runtimeId).toBe(first.runtimeId);
    expect(await second.execute(request('y', 'ok'))).toMatchObject({ type: 'succeeded' });
  });

  it('recovers from a worker that runs out of memory under its resourceLimits', async () => {
    pool = await AgentPool.start({
      modules: [AGENTS],
      maxThreads: 1,
      resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 },
    });
    const replaced = new Promise((resolve) => pool?.once('runtime', resolve));
    expect(await pool.runtimes()[0].execute(request('m', '[oom]'))).toMatchObject({
      type: 'failed',
      error: { code: 'WORKER_EXITED', recoverable: true },
    });
    await replaced;
    expect(await pool.runtimes()[0].execute(request('n', 'ok'))).toMatchObject({ type: 'succeeded' });
  });

  it('refuses a handler module that does not load, with a coded error', async () => {
    await expect(
      AgentPool.start({ modules: [new URL('../fixtures/agents/missing.ts', import.meta.url)], maxThreads: 1 }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(AgentPool.start({ modules: [] })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
