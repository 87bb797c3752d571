import { type ChildProcess, spawn } from 'node:child_process';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime, type WorkflowResult } from '../../src/index.js';
import { TEST_AGENTS } from '../helpers/fixtures.js';
import { largePlan } from '../helpers/large-plan.js';

/**
 * A process that keeps a core busy, as another job on a loaded machine would: it spins, and
 * every 200 ms checks that this process is still alive, so it ends with it even if the test
 * process is killed before `afterAll` runs.
 */
function cpuHog(): ChildProcess {
  const spin = `const parent = ${process.pid}; for (;;) { const until = Date.now() + 200; while (Date.now() < until); try { process.kill(parent, 0); } catch { process.exit(0); } }`;
  return spawn(process.execPath, ['-e', spin], { stdio: 'ignore' });
}

const expectComplete = (result: WorkflowResult, n: number) => {
  expect({
    status: result.status,
    completed: result.completed_tasks,
    failed: result.failed_tasks,
    skipped: result.skipped_tasks,
  }).toEqual({ status: 'complete', completed: n, failed: 0, skipped: 0 });
};

/**
 * Submitting a 100k-task plan used to hold the coordinator's event loop for seconds on a loaded
 * machine; the dispatcher's next sweep then ran before the heartbeats queued meanwhile were
 * read, declared the live local workers defunct, and the run ended `partial`.
 */
describe('a 100,000-task plan with refs while another process keeps a core busy', () => {
  const n = 100_000;
  let hog: ChildProcess | undefined;
  let rt: Runtime | undefined;
  beforeAll(async () => {
    hog = cpuHog();
    // The defaults that matter here: 1 s heartbeats, three missed make a runtime defunct.
    rt = await createRuntime({ agents: [TEST_AGENTS], logger: pino({ level: 'silent' }) });
  }, 60_000);
  afterAll(async () => {
    hog?.kill('SIGKILL');
    await rt?.close({ cancel: true });
  });

  it('ends complete when submitted in one blocking call', async () => {
    expectComplete(await rt!.submit(largePlan(n)).result, n);
  }, 300_000);

  it('ends complete when submitted with submitAsync', async () => {
    const run = await rt!.submitAsync(largePlan(n));
    expectComplete(await run.result, n);
  }, 300_000);
});
