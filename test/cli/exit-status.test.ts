import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ExitStatus } from '../../src/cli/exit-status.js';
import { cliAsync } from '../helpers/cli.js';
import { task, workflow } from '../helpers/plans.js';

const PLAN = 'examples/video-analysis/plan.json';
const AGENTS = fileURLToPath(new URL('../fixtures/agents/test-agents.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'switchyard-exit-'));

describe('the exit status of run tells complete, partial and failed apart', () => {
  it('exits 0 for a workflow that ended complete', async () => {
    const result = await cliAsync('run', PLAN, '--agents', AGENTS, '--json');
    expect(JSON.parse(result.out).status).toBe('complete');
    expect(result.code).toBe(ExitStatus.OK);
  });

  it('exits 3 for a workflow that ended partial', async () => {
    const result = await cliAsync('run', PLAN, '--agents', AGENTS, '--fail', 'task_5', '--json');
    expect(JSON.parse(result.out).status).toBe('partial');
    expect(result.code).toBe(3);
  });

  it('exits 4 for a workflow that ended failed', async () => {
    // p completes without producing derived_1, so r can never run: the run ends failed (PROCESSING_ERROR).
    const plan = join(dir, 'stuck.json');
    writeFileSync(
      plan,
      JSON.stringify(
        workflow([task('p', [], { output_refs: ['derived_1'] }), task('r', ['p'], { input_refs: ['derived_1'] })], {
          derived_refs: [{ ref_id: 'derived_1', storage_uri: null }],
        }),
      ),
    );
    const agents = join(dir, 'forgetful-agents.mjs');
    writeFileSync(
      agents,
      "export default { name: 'execution_agent', capabilities: ['CAP-PRE-*'], handle: async () => ({ output_refs_produced: [] }) };\n",
    );
    const result = await cliAsync('run', plan, '--agents', agents, '--json');
    expect(JSON.parse(result.out).status).toBe('failed');
    expect(result.code).toBe(4);
  });

  it('lets the demo, which fails tasks on purpose, exit 0 for a partial run', async () => {
    const result = await cliAsync('demo', '--fail', 'task_5');
    expect(result.out).toContain('workflow partial');
    expect(result.code).toBe(0);
  }, 60_000);

  it('documents the statuses in switchyard --help', async () => {
    const { out } = await cliAsync('--help');
    expect(out).toMatch(/Exit status: .*\b3\b.*partial.*\b4\b.*failed/su);
  });
});
