import { readFile, rm, writeFile } from 'node:fs/promises';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { testerAgent } from '../../../src/agents.js';
import type { TestReport } from '../../../src/agents/tester/test-report.js';
import { createRuntime, fileStorage, type Runtime } from '../../../src/index.js';
import { alive, cleanSuites, greenNodeSuite, hangingNodeSuite, pidsOf, redNodeSuite } from './suites.js';

const quiet = pino({ level: 'silent' });
const routes = [{ prefix: 'CAP-TST-', agent: 'tester', reason: 'runs test suites' }];
let rt: Runtime | undefined;
let dir: string | undefined;
afterEach(async () => {
  await rt?.close({ cancel: true });
  rt = undefined;
  cleanSuites();
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A source file whose content names the directory to test, as the tester reads it from its input ref. */
async function naming(suite: string, name: string): Promise<string> {
  const file = join(dir as string, name);
  await writeFile(file, JSON.stringify({ directory: suite }));
  return pathToFileURL(file).href;
}

const tst = (id: string, input: string, output: string, depends: string[] = []) => ({
  id,
  action: `test ${id}`,
  capability_ids: ['CAP-TST-001'],
  depends_on: depends,
  input_refs: [input],
  output_refs: [output],
});

describe('the tester agent in a runtime, on real worker threads', () => {
  it('writes the report of a green suite; fails a red one once, not retried, and skips its dependents', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-tester-e2e-'));
    rt = await createRuntime({
      agents: [{ module: testerAgent, options: { timeoutMs: 60_000 } }],
      routes,
      pool: { maxThreads: 2 },
      taskTimeoutMs: 120_000,
      logger: quiet,
      artifacts: fileStorage({ root: join(dir, 'artifacts') }),
    });
    const plan = {
      tasks: [
        tst('task_1', 'src_1', 'derived_1'),
        tst('task_2', 'src_2', 'derived_2'),
        tst('task_3', 'derived_2', 'derived_3', ['task_2']),
      ],
      resources: {
        source_refs: [
          { ref_id: 'src_1', storage_uri: await naming(greenNodeSuite(), 'green.json'), asset_type: 'json' },
          { ref_id: 'src_2', storage_uri: await naming(redNodeSuite(), 'red.json'), asset_type: 'json' },
        ],
        derived_refs: ['derived_1', 'derived_2', 'derived_3'].map((ref_id) => ({
          ref_id,
          storage_uri: null,
          status: 'pending' as const,
        })),
      },
    };
    const run = rt.submit(plan, { runId: 'run-tests' });
    const failures: Record<string, { code: string; recoverable: boolean; message: string }> = {};
    run.on('result', (r) => {
      if (r.outcome.status === 'failed') failures[r.task_id] = r.outcome.error;
    });
    const result = await run.result;
    expect(result.status).toBe('partial');
    expect(result.task_results.task_1.status).toBe('complete');
    expect(result.task_results.task_2).toMatchObject({ status: 'failed', attempts: 1 });
    expect(result.task_results.task_3.status).toBe('skipped');
    expect(failures.task_2).toMatchObject({ code: 'TESTS_FAILED', recoverable: false });
    expect(failures.task_2.message).toContain('division > by zero throws');
    const uri = run.state().ref_registry.derived_1.storage_uri as string;
    const report = JSON.parse(await readFile(fileURLToPath(uri), 'utf8')) as TestReport;
    expect(report).toMatchObject({ runner: 'node', passed: 2, failed: 0, skipped: 1, exit_code: 0 });
  });

  it('ends the suite’s whole process group when its run is cancelled', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-tester-e2e-'));
    const suite = hangingNodeSuite();
    rt = await createRuntime({
      agents: [{ module: testerAgent, options: { cwd: suite } }],
      routes,
      pool: { maxThreads: 1 },
      taskTimeoutMs: 120_000,
      logger: quiet,
      artifacts: fileStorage({ root: join(dir, 'artifacts') }),
    });
    const run = rt.submit({ tasks: [{ ...tst('task_1', 'src_1', 'derived_1'), input_refs: [], output_refs: [] }] });
    await vi.waitFor(() => expect(pidsOf(suite)).toHaveLength(2), { timeout: 20_000, interval: 25 });
    const pids = pidsOf(suite);
    run.cancel('enough');
    await expect(run.result).rejects.toMatchObject({ code: 'CLOSED' });
    await vi.waitFor(() => expect(pids.filter(alive)).toEqual([]), { timeout: 5000 });
  });
});
