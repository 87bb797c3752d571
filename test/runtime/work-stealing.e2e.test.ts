import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { type AgentExecutionResult, createRuntime } from '../../src/index.js';
import { TEST_AGENTS } from '../helpers/fixtures.js';

const quiet = pino({ level: 'silent' });
const SLOW_MS = 4000;

describe('held attempts on real worker threads (default prefetch)', () => {
  it('moves the attempts held behind a slow one to the worker that went idle, so they do not wait for it', async () => {
    // Two workers, one attempt at a time each, holding the default 4 more: the dispatcher
    // spreads the eight attempts over both, so three short ones are held behind the slow one.
    const rt = await createRuntime({
      agents: [TEST_AGENTS],
      pool: { maxThreads: 2, concurrentTasksPerWorker: 1 },
      taskTimeoutMs: 30_000,
      logger: quiet,
    });
    try {
      const tasks = [
        {
          id: 'slow',
          action: `wait [sleep-${SLOW_MS}]`,
          capability_ids: ['CAP-PRE-001'],
          depends_on: [],
          input_refs: [],
          output_refs: [],
        },
        ...Array.from({ length: 7 }, (_, i) => ({
          id: `short_${i}`,
          action: 'wait [sleep-50]',
          capability_ids: ['CAP-PRE-001'],
          depends_on: [],
          input_refs: [],
          output_refs: [],
        })),
      ];
      const started = Date.now();
      const run = rt.submit({ tasks });
      const placedOn = new Map<string, string>();
      rt.bus.subscribe('switchyard.commands.runtime.*.execute', (m) => {
        // Where each attempt went first.
        for (const t of (m.data as { triggers: Array<{ task_id: string }> }).triggers)
          if (!placedOn.has(t.task_id)) placedOn.set(t.task_id, m.subject.split('.')[3]);
      });
      const ended = new Map<string, { at: number; runtime: string | null }>();
      run.on('result', (r: AgentExecutionResult) =>
        ended.set(r.task_id, { at: Date.now() - started, runtime: r.runtime_id }),
      );
      const result = await run.result;
      expect(result.status).toBe('complete');
      expect(Object.values(result.task_results).every((t) => t.attempts === 1)).toBe(true);
      const slow = ended.get('slow')!;
      const shorts = [...ended].filter(([id]) => id !== 'slow');
      expect(shorts).toHaveLength(7);
      // Every short attempt ended long before the slow one, and on the other worker.
      for (const [, end] of shorts) {
        expect(end.at).toBeLessThan(SLOW_MS / 2);
        expect(end.runtime).not.toBe(slow.runtime);
      }
      // Some had first gone to the slow one's worker (held there), and were moved.
      expect([...placedOn].filter(([id, rtId]) => id !== 'slow' && rtId === slow.runtime).length).toBeGreaterThan(0);
    } finally {
      await rt.close();
    }
  });
});
