import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { testerAgent } from '../../../src/agents.js';
import type { Dispatch } from '../../../src/index.js';
import { AgentPool } from '../../../src/pool/agent-pool.js';
import { alive, cleanSuites, hangingNodeSuite, pidsOf } from './suites.js';

let pool: AgentPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
  cleanSuites();
});

const dispatch: Dispatch = {
  task_id: 'task_1',
  action: 'run the suite',
  capability_ids: ['CAP-TST-001'],
  input_refs_resolved: [],
  output_refs_expected: [],
  execution_group: 1,
  attempt: 1,
  workflow_progress: { total_tasks: 1, completed: 0, in_progress: 1, pending: 0, failed: 0 },
};

describe('the tester agent in a worker thread that dies', () => {
  it('has the process group of its running suite killed by the host, grandchildren included', async () => {
    const suite = hangingNodeSuite();
    const lines: string[] = [];
    pool = await AgentPool.start({
      modules: [{ module: testerAgent, options: { cwd: suite, timeoutMs: 600_000 } }],
      maxThreads: 1,
      logger: pino({ level: 'warn' }, { write: (line: string) => lines.push(line) }),
    });
    const [rt] = pool.runtimes();
    const result = rt.execute({ request_id: 'r1', workflow_id: 'w', agent_id: 'tester', dispatch });
    // The hanging test writes its own pid and its child's once both run.
    await vi.waitFor(() => expect(pidsOf(suite)).toHaveLength(2), { timeout: 30_000, interval: 50 });
    const pids = pidsOf(suite);
    expect(pids.map(alive)).toEqual([true, true]);
    await pool.terminate(rt.runtimeId);
    const outcome = await result;
    expect(outcome.type === 'failed' && outcome.error.code).toBe('WORKER_EXITED');
    await vi.waitFor(() => expect(pids.map(alive)).toEqual([false, false]));
    expect(lines.join('')).toContain('"group":true');
  });
});
