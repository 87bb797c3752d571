import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Dispatch } from '../../src/index.js';
import { AgentPool } from '../../src/pool/agent-pool.js';
import { createRuntime } from '../../src/runtime/create-runtime.js';
import { SwitchyardError } from '../../src/protocol/errors.js';

const FACTORY = new URL('../fixtures/agents/factory-agent.ts', import.meta.url);
const PLAIN = new URL('../fixtures/agents/test-agents.ts', import.meta.url);
let pool: AgentPool | undefined;
let dir: string | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const dispatch: Dispatch = {
  task_id: 'task_1',
  action: 'greet',
  capability_ids: ['CAP-ACQ-001'],
  input_refs_resolved: [],
  output_refs_expected: [],
  execution_group: 1,
  attempt: 1,
  workflow_progress: { total_tasks: 1, completed: 0, in_progress: 1, pending: 0, failed: 0 },
};

async function refusal(promise: Promise<unknown>): Promise<SwitchyardError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SwitchyardError);
  return error as SwitchyardError;
}

describe('agent modules that take options (defineAgentFactory)', () => {
  it('builds each worker its agents from the entry options, and closes them once per worker at shutdown', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-factory-'));
    const closedLog = join(dir, 'closed.log');
    pool = await AgentPool.start({
      modules: [{ module: FACTORY, options: { greeting: 'hello', closedLog } }],
      maxThreads: 2,
    });
    const runtimes = pool.runtimes();
    const results = await Promise.all(
      runtimes.map((rt, i) =>
        rt.execute({ request_id: `r${i}`, workflow_id: 'w', agent_id: 'execution_agent', dispatch }),
      ),
    );
    expect(results.map((r) => (r.type === 'succeeded' ? r.output.summary : r.type)).sort()).toEqual(
      runtimes.map((rt) => `hello task_1 from ${rt.runtimeId}`).sort(),
    );
    await pool.close();
    pool = undefined;
    const closed = readFileSync(closedLog, 'utf8').trim().split('\n').sort();
    expect(closed).toEqual(runtimes.map((rt) => rt.runtimeId).sort());
  });

  it('refuses a bad option at createRuntime with INVALID_INPUT naming the module and the field', async () => {
    const error = await refusal(
      createRuntime({ agents: [{ module: FACTORY, options: { greeting: 42 } }], pool: { maxThreads: 1 } }),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('factory-agent.ts');
    expect(error.message).toContain('`greeting`');
  });

  it('refuses options given to a module whose default export is not a factory', async () => {
    const error = await refusal(
      createRuntime({ agents: [{ module: PLAIN, options: { greeting: 'hi' } }], pool: { maxThreads: 1 } }),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('test-agents.ts');
  });

  it('refuses options that are not JSON before any worker starts', async () => {
    const error = await refusal(
      createRuntime({
        agents: [{ module: FACTORY, options: { greeting: 'hi', when: () => 1 } as never }],
        pool: { maxThreads: 1 },
      }),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('agents');
  });
});
