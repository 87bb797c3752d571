import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cli, cliAsync } from '../helpers/cli.js';

const PLAN = 'examples/video-analysis/plan.json';
const AGENTS = fileURLToPath(new URL('../fixtures/agents/test-agents.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'switchyard-run-'));

describe('switchyard run', () => {
  it('runs a plan on real workers: plain progress lines on stderr, table and result on stdout', async () => {
    const stateOut = join(dir, 'state.json');
    const { code, out, err } = await cliAsync(
      'run',
      PLAN,
      '--agents',
      AGENTS,
      '--fail',
      'task_5:recoverable',
      '--state-out',
      stateOut,
    );
    expect(code).toBe(3); // partial
    expect(err).toContain('→ task_5 attempt 3 to execution_agent (group 4)');
    expect(err).toContain('✗ task_5 attempt 1: INJECTED_FAULT (recoverable)');
    expect(out).toContain('workflow partial: 7 complete, 1 failed, 4 skipped of 12');
    const result = JSON.parse(out.slice(out.indexOf('\n{') + 1));
    expect(result.task_results.task_5).toEqual({ status: 'failed', attempts: 3 });
    const state = JSON.parse(readFileSync(stateOut, 'utf8'));
    expect(state.task_states.task_7.status).toBe('skipped');
    expect(cli('graph', PLAN, '--mermaid', '--status', stateOut).out).toContain('class task_5 failed');
  });

  it('prints only the workflow_result with --json (here with workers holding attempts ahead)', async () => {
    const { code, out } = await cliAsync(
      'run',
      PLAN,
      '--agents',
      AGENTS,
      '--json',
      '--policy',
      'dependency',
      '--concurrency',
      '2',
      '--prefetch',
      '2',
    );
    expect(code).toBe(0);
    expect(JSON.parse(out).status).toBe('complete');
  });

  it.each([
    [['run', PLAN], 'USAGE_ERROR'],
    [['run', PLAN, '--agents', AGENTS, '--threads', '0'], 'USAGE_ERROR'],
    [['run', PLAN, '--agents', AGENTS, '--fail', 'task_99'], 'USAGE_ERROR'],
    [['run', PLAN, '--agents', AGENTS, '--prefetch', '-1'], 'USAGE_ERROR'],
    [['run', PLAN, '--agents', AGENTS, '--prefetch', ''], 'USAGE_ERROR'],
    // No local runtime to fail it in: the flag belongs to `switchyard runtime` (refused before connecting).
    [['run', PLAN, '--nats', 'nats://127.0.0.1:1', '--threads', '0', '--fail', 'task_5'], 'USAGE_ERROR'],
    [['run', PLAN, '--agents', join(dir, 'nope.mjs')], 'INVALID_INPUT'],
    [['run', 'missing.json', '--agents', AGENTS], 'FILE_ERROR'],
  ])('refuses %j with %s and exit 2', async (argv, code) => {
    const result = await cliAsync(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`switchyard: ${code}: `);
  });
});
