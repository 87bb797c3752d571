import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentError, type AgentContext, type Dispatch, defineAgent } from '../../src/index.js';
import { AgentPool } from '../../src/pool/agent-pool.js';
import { withFaults } from '../../src/pool/with-faults.js';

const AGENTS = new URL('../fixtures/agents/test-agents.ts', import.meta.url);

function dispatch(taskId: string, attempt = 1): Dispatch {
  return {
    task_id: taskId,
    action: 'extract',
    capability_ids: ['CAP-PRE-001'],
    input_refs_resolved: [],
    output_refs_expected: [],
    execution_group: 1,
    attempt,
    workflow_progress: { total_tasks: 1, completed: 0, in_progress: 1, pending: 0, failed: 0 },
  };
}

const context = { logger: pino({ level: 'silent' }) } as unknown as AgentContext;

describe('withFaults', () => {
  const ran: string[] = [];
  const agent = defineAgent({
    name: 'execution_agent',
    capabilities: ['CAP-PRE-*'],
    handle: (d) => {
      ran.push(`${d.task_id}#${d.attempt}`);
      return { summary: 'ran' };
    },
  });
  const drill = withFaults(agent, { task_5: { recoverable: true, times: 2 }, task_6: { recoverable: false } });

  it('fails the named tasks with INJECTED_FAULT, without running the handler, for their first `times` attempts', async () => {
    ran.length = 0;
    expect(drill).toMatchObject({ name: agent.name, capabilities: agent.capabilities });
    for (const attempt of [1, 2]) {
      const failure = await Promise.resolve()
        .then(() => drill.handle(dispatch('task_5', attempt), context))
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(AgentError);
      expect(failure).toMatchObject({ code: 'INJECTED_FAULT', recoverable: true });
    }
    expect(await drill.handle(dispatch('task_5', 3), context)).toEqual({ summary: 'ran' });
    expect(() => drill.handle(dispatch('task_6', 7), context)).toThrow(
      expect.objectContaining({ code: 'INJECTED_FAULT', recoverable: false }),
    );
    expect(ran).toEqual(['task_5#3']);
  });

  it('runs every other task as the agent would, names inherited from Object included', async () => {
    ran.length = 0;
    expect(await drill.handle(dispatch('task_1'), context)).toEqual({ summary: 'ran' });
    expect(await drill.handle(dispatch('constructor'), context)).toEqual({ summary: 'ran' });
    expect(ran).toEqual(['task_1#1', 'constructor#1']);
  });
});

describe('a pool given faults', () => {
  let pool: AgentPool | undefined;
  afterEach(async () => {
    await pool?.close();
    pool = undefined;
  });

  it("wraps its workers' agents: the named task fails with INJECTED_FAULT, the others run", async () => {
    pool = await AgentPool.start({ modules: [AGENTS], maxThreads: 1, faults: { task_5: { recoverable: false } } });
    const [rt] = pool.runtimes();
    const request = (taskId: string) => ({
      request_id: `${taskId}-1`,
      workflow_id: 'w',
      agent_id: 'execution_agent',
      dispatch: dispatch(taskId),
    });
    expect(await rt.execute(request('task_5'))).toMatchObject({
      type: 'failed',
      error: { code: 'INJECTED_FAULT', recoverable: false },
    });
    expect(await rt.execute(request('task_4'))).toMatchObject({ type: 'succeeded' });
  });

  it('refuses faults that are not a map of task ids to faults', async () => {
    await expect(
      AgentPool.start({ modules: [AGENTS], faults: { task_5: { recoverable: 'yes' } } as never }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
