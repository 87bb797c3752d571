import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTesterAgent } from '../../../src/agents/tester/tester-agent.js';
import { type Scheduler, SimulatedScheduler } from '../../../src/core/scheduler.js';
import type { TestReport } from '../../../src/agents/tester/test-report.js';
import { type AgentDefinition, AgentError } from '../../../src/pool/agent.js';
import { AttemptContext } from '../../../src/pool/attempt-context.js';
import { LazyAbort } from '../../../src/pool/lazy-abort.js';
import type { Dispatch } from '../../../src/protocol/dispatch-output.js';
import type { ResolvedRef } from '../../../src/protocol/refs.js';
import { memoryStorage } from '../../../src/storage/memory-storage.js';
import {
  alive,
  cleanSuites,
  emptySuite,
  greenNodeSuite,
  hangingNodeSuite,
  npmSuite,
  pidsOf,
  pytestSuite,
  redNodeSuite,
} from './suites.js';
import { agentFailure } from '../../helpers/errors.js';

let agent: AgentDefinition | undefined;
afterEach(async () => {
  await agent?.close?.();
  agent = undefined;
  cleanSuites();
});

const hasPytest = (() => {
  try {
    execFileSync('python3', ['-m', 'pytest', '--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** One attempt of `options`' tester on task_1, with a real context over a memory storage. */
function attempt(
  options: Record<string, unknown>,
  inputs: ResolvedRef[] = [],
  storage = memoryStorage(),
  scheduler?: Scheduler,
) {
  agent = createTesterAgent(options, { scheduler });
  const abort = new LazyAbort();
  const dispatch: Dispatch = {
    task_id: 'task_1',
    action: 'run the tests',
    capability_ids: ['CAP-TST-001'],
    input_refs_resolved: inputs,
    output_refs_expected: ['derived_1'],
    execution_group: 1,
    attempt: 1,
    workflow_progress: { total_tasks: 1, completed: 0, in_progress: 1, pending: 0, failed: 0 },
  };
  const host = { logger: pino({ level: 'silent' }), progress: () => {}, storage };
  const ctx = new AttemptContext(host, abort, { request_id: 'r1', workflow_id: 'run-1', dispatch }, 'tester');
  const done = (async () => (agent as AgentDefinition).handle(dispatch, ctx))();
  const report = async () =>
    JSON.parse(new TextDecoder().decode(await storage.read('memory:run-1/derived_1'))) as TestReport;
  return { done, report, abort, storage };
}

describe('the tester agent runs a real node --test suite', () => {
  it('completes a green suite and writes its report', async () => {
    const dir = greenNodeSuite();
    const { done, report } = attempt({ cwd: dir });
    const output = await done;
    expect(output.summary).toMatch(/2 passed, 0 failed, 1 skipped/u);
    expect(await report()).toMatchObject({
      runner: 'node',
      cwd: dir,
      passed: 2,
      failed: 0,
      skipped: 1,
      failing: [],
      exit_code: 0,
      timed_out: false,
    });
  });

  it('fails a red suite with TESTS_FAILED, not recoverable, naming each failing test', async () => {
    const { done, report } = attempt({ cwd: redNodeSuite() });
    const error = await agentFailure(done);
    expect(error.code).toBe('TESTS_FAILED');
    expect(error.recoverable).toBe(false);
    expect(error.message).toContain('subtracts # badly');
    expect(error.message).toContain('division > by zero throws');
    const r = await report();
    expect(r).toMatchObject({ passed: 2, failed: 2, exit_code: 1 });
    expect(r.failing).toEqual(['subtracts # badly', 'division > by zero throws']);
    expect(r.output_tail).toContain('# fail 2');
  });

  it('kills the whole process group of a suite that outlives its timeout: TIMEOUT, recoverable, nothing left', async () => {
    const dir = hangingNodeSuite();
    const time = new SimulatedScheduler(0);
    const { done, report } = attempt({ cwd: dir, timeoutMs: 4000 }, [], memoryStorage(), time);
    let ended = false;
    done.then(
      () => (ended = true),
      () => (ended = true),
    );
    // The suite is up (both processes wrote their pids): only then does its time run out, on the agent's scheduler.
    await vi.waitFor(() => expect(pidsOf(dir)).toHaveLength(2), { timeout: 20_000, interval: 25 });
    await time.advanceAsync(3999);
    expect(ended).toBe(false);
    await time.advanceAsync(1);
    const error = await agentFailure(done);
    expect(error.code).toBe('TIMEOUT');
    expect(error.recoverable).toBe(true);
    const pids = pidsOf(dir);
    expect(pids).toHaveLength(2);
    await vi.waitFor(() => expect(pids.filter(alive)).toEqual([]), { timeout: 5000 });
    expect(await report()).toMatchObject({ timed_out: true, exit_code: null });
  });

  it('kills the process group when ctx.signal aborts, and leaves the abort for the runtime to report', async () => {
    const dir = hangingNodeSuite();
    const { done, abort } = attempt({ cwd: dir });
    await vi.waitFor(() => expect(pidsOf(dir)).toHaveLength(2), { timeout: 20_000, interval: 25 });
    const pids = pidsOf(dir);
    expect(pids.filter(alive)).toEqual(pids);
    abort.abort(new Error('run cancelled'));
    const error = await done.then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error).not.toBeInstanceOf(AgentError);
    expect(error?.message).toBe('run cancelled');
    await vi.waitFor(() => expect(pids.filter(alive)).toEqual([]), { timeout: 5000 });
  });
});

describe('the tester agent, other runners and refusals', () => {
  it('reads npm test best effort: node --test behind the package script, in TAP', async () => {
    const { done, report } = attempt({ cwd: npmSuite(), runner: 'npm' });
    const error = await agentFailure(done);
    expect(error.code).toBe('TESTS_FAILED');
    expect((await report()).failing).toEqual(['subtracts # badly', 'division > by zero throws']);
  });

  it.runIf(hasPytest)('runs pytest: a green suite completes, a red one names its failing node ids', async () => {
    const green = attempt({ cwd: pytestSuite(false), runner: 'pytest' });
    expect((await green.done).summary).toMatch(/3 passed, 0 failed, 1 skipped/u);
    const red = attempt({ cwd: pytestSuite(true), runner: 'pytest' });
    const error = await agentFailure(red.done);
    expect(error.code).toBe('TESTS_FAILED');
    expect((await red.report()).failing).toEqual([
      'test_calc.py::test_subtracts',
      'test_calc.py::TestDivision::test_by_zero',
    ]);
  });

  it('fails with CAPABILITY_NOT_AVAILABLE, not recoverable, when the runner cannot start', async () => {
    const { done } = attempt({ cwd: greenNodeSuite(), command: 'no-such-test-runner-xyz' });
    const error = await agentFailure(done);
    expect(error.code).toBe('CAPABILITY_NOT_AVAILABLE');
    expect(error.recoverable).toBe(false);
  });

  it('takes the directory from the first input ref when no cwd is set, and refuses one that is not a directory', async () => {
    const dir = greenNodeSuite();
    const storage = memoryStorage();
    const uri = await storage.write('run-1', 'store_1', JSON.stringify({ directory: dir }));
    const ok = attempt({}, [{ ref_id: 'store_1', storage_uri: uri, status: 'stored' }], storage);
    expect((await ok.done).summary).toContain(dir);
    const bad = attempt({ cwd: `${dir}/missing` });
    expect((await agentFailure(bad.done)).code).toBe('INVALID_INPUT');
    const none = attempt({});
    expect((await agentFailure(none.done)).code).toBe('INVALID_INPUT');
  });

  it("takes the code writer's manifest as its input: the suite runs in the manifest's workspace", async () => {
    const dir = greenNodeSuite();
    const storage = memoryStorage();
    const manifest = { task_id: 'task_3', workspace: pathToFileURL(dir).href, files: [] };
    const uri = await storage.write('run-1', 'store_1', JSON.stringify(manifest));
    const { done, report } = attempt({}, [{ ref_id: 'store_1', storage_uri: uri, status: 'stored' }], storage);
    expect((await done).summary).toMatch(/2 passed/u);
    expect((await report()).cwd).toBe(dir);
  });

  it('fails a green run that tested nothing with NO_TESTS, not recoverable, unless requireTests is false', async () => {
    const dir = emptySuite();
    const strict = attempt({ cwd: dir });
    const error = await agentFailure(strict.done);
    expect(error.code).toBe('NO_TESTS');
    expect(error.recoverable).toBe(false);
    expect(error.message).toContain('ran no test');
    expect(await strict.report()).toMatchObject({ passed: 0, failed: 0, exit_code: 0 });
    const lenient = attempt({ cwd: dir, requireTests: false });
    expect((await lenient.done).summary).toMatch(/0 passed, 0 failed/u);
  });

  it('refuses bad options with a ZodError naming the field', () => {
    expect(() => createTesterAgent({ runner: 'mocha' })).toThrow(/runner/u);
    expect(() => createTesterAgent({ timeoutMs: 0 })).toThrow(/timeoutMs/u);
  });
});
