import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type AgentExecutionResult, createRuntime, type Runtime } from '../../src/index.js';
import { AgentPool } from '../../src/pool/agent-pool.js';
import { claimSlot, releaseSlot, workerSlots } from '../../src/pool/worker-slots.js';
import { task, workflow } from '../helpers/plans.js';

const AGENTS = new URL('../fixtures/agents/test-agents.ts', import.meta.url);
let pool: AgentPool | undefined;
let rt: Runtime | undefined;
afterEach(async () => {
  await pool?.close();
  await rt?.close({ cancel: true });
  pool = undefined;
  rt = undefined;
});

describe('worker slots', () => {
  it('hands out the lowest free slot and takes it back from the thread that held it', () => {
    const slots = workerSlots(2);
    expect([claimSlot(slots, 11), claimSlot(slots, 12)]).toEqual([1, 2]);
    releaseSlot(slots, 11);
    expect(claimSlot(slots, 13)).toBe(1);
    // Twice as many slots as threads: a replacement that starts before the exit is seen still gets one.
    expect([claimSlot(slots, 14), claimSlot(slots, 15)]).toEqual([3, 4]);
    expect(claimSlot(slots, 16)).toBe(4 + 16);
    releaseSlot(slots, 99);
    releaseSlot(slots, 12);
    expect(claimSlot(slots, 17)).toBe(2);
  });

  it('names a pool runtime after its slot, and the replacement of a killed worker after the same slot', async () => {
    pool = await AgentPool.start({ modules: [AGENTS], maxThreads: 1, runtimePrefix: 'gpu1' });
    const [first] = pool.runtimes();
    expect(first.runtimeId).toBe('gpu1-t1');
    const p = pool;
    const replaced = new Promise<{ runtimeId: string; threadId: number }>((resolve) => p.once('runtime', resolve));
    await pool.terminate(first.runtimeId);
    const next = await replaced;
    expect(next.threadId).not.toBe(first.threadId);
    expect(next.runtimeId).toBe('gpu1-t1');
    expect(pool.runtimes().map((r) => r.runtimeId)).toEqual(['gpu1-t1']);
  });

  it('registers the replacement of a crashed worker under the same id, and places attempts on it again', async () => {
    rt = await createRuntime({
      agents: [AGENTS],
      pool: { maxThreads: 2, prefetch: 0 },
      runtimePrefix: 'slot',
      taskTimeoutMs: 20_000,
      logger: pino({ level: 'silent' }),
    });
    const runtime = rt;
    const crashed = await runtime.submit(workflow([task('a', [], { action: '[crash-once]' })])).result;
    expect(crashed.status).toBe('complete');
    expect(crashed.task_results.a.attempts).toBe(2);
    await vi.waitFor(
      () =>
        expect(
          runtime.dispatcher.registry
            .runtimes()
            .map((r) => r.runtimeId)
            .sort(),
        ).toEqual(['slot-t1', 'slot-t2']),
      { timeout: 10_000 },
    );
    expect(
      runtime
        .pool!.runtimes()
        .map((r) => r.runtimeId)
        .sort(),
    ).toEqual(['slot-t1', 'slot-t2']);
    // One attempt on each runtime: the replacement takes work under the old id.
    const run = runtime.submit(
      workflow([task('x', [], { action: '[sleep-200]' }), task('y', [], { action: '[sleep-200]' })]),
    );
    const results: AgentExecutionResult[] = [];
    run.on('result', (r) => results.push(r));
    expect((await run.result).status).toBe('complete');
    expect(results.map((r) => r.runtime_id).sort()).toEqual(['slot-t1', 'slot-t2']);
  });
});
