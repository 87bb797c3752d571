import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type AgentExecutionResult, createRuntime, subjects } from '../../src/index.js';
import { TEST_AGENTS } from '../helpers/fixtures.js';

const quiet = pino({ level: 'silent' });
const s = subjects();

describe('held attempts on real worker threads (default prefetch)', () => {
  it('moves the attempts held behind a slow one to the worker that went idle, so they do not wait for it', async () => {
    // Two workers, one attempt at a time each, holding the default 4 more: the dispatcher
    // spreads the eight attempts over both, so short ones are held behind the slow one. The
    // slow one runs until the test ends it, after every short one has ended: were the held ones
    // not moved, they would wait for it for ever and the test would time out. No step waits on
    // the wall clock, so a slow machine makes the test slower, never wrong.
    const rt = await createRuntime({
      agents: [TEST_AGENTS],
      pool: { maxThreads: 2, concurrentTasksPerWorker: 1 },
      // Past the test's own timeout: on a slow machine the slow attempt must not time out first.
      taskTimeoutMs: 600_000,
      logger: quiet,
    });
    try {
      const task = (id: string, action: string) => ({
        id,
        action,
        capability_ids: ['CAP-PRE-001'],
        depends_on: [],
        input_refs: [],
        output_refs: [],
      });
      const shortIds = Array.from({ length: 7 }, (_, i) => `short_${i}`);
      const tasks = [task('slow', 'wait [until-cancelled]'), ...shortIds.map((id) => task(id, 'wait [sleep-50]'))];
      const placedOn = new Map<string, string>();
      let slow: { requestId: string; runtimeId: string } | undefined;
      rt.bus.subscribe('switchyard.commands.runtime.*.execute', (m) => {
        const runtimeId = m.subject.split('.')[3];
        for (const t of (m.data as { triggers: Array<{ task_id: string; request_id: string }> }).triggers) {
          // Where each attempt went first; where the slow one went last.
          if (!placedOn.has(t.task_id)) placedOn.set(t.task_id, runtimeId);
          if (t.task_id === 'slow') slow = { requestId: t.request_id, runtimeId };
        }
      });
      const run = rt.submit({ tasks });
      const ended: string[] = [];
      const endedOn = new Map<string, string | null>();
      const shortsEnded = new Promise<void>((resolve) =>
        run.on('result', (r: AgentExecutionResult) => {
          ended.push(r.task_id);
          endedOn.set(r.task_id, r.runtime_id);
          if (shortIds.every((id) => endedOn.has(id))) resolve();
        }),
      );
      await shortsEnded;
      // Every short attempt ended while the slow one still ran, and on the other worker.
      expect(ended).not.toContain('slow');
      expect(slow).toBeDefined();
      for (const id of shortIds) expect(endedOn.get(id)).not.toBe(slow!.runtimeId);
      // Some had first gone to the slow one's worker (held there), and were moved.
      expect(shortIds.filter((id) => placedOn.get(id) === slow!.runtimeId).length).toBeGreaterThan(0);
      // Now the slow one ends (its handler finishes when cancelled), and the run completes.
      rt.bus.publish(s.cancel(slow!.runtimeId), { type: 'CancelAttempt', request_id: slow!.requestId });
      const result = await run.result;
      expect(result.status).toBe('complete');
      expect(Object.values(result.task_results).every((t) => t.attempts === 1)).toBe(true);
      expect(ended.at(-1)).toBe('slow');
    } finally {
      await rt.close();
    }
  });
});
