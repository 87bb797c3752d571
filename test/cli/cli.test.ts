import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { task, workflow } from '../helpers/plans.js';

const PLAN = 'examples/video-analysis/plan.json';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('switchyard validate', () => {
  it('accepts the example plan and describes it', () => {
    const { code, out } = cli('validate', PLAN);
    expect(code).toBe(0);
    expect(out).toContain('is a valid plan');
    expect(out).toContain('tasks 12');
    expect(out).toContain("task_9's dependency on task_5 is redundant");
  });

  it('prints a JSON report with --json', () => {
    const { code, out } = cli('validate', PLAN, '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ valid: true, tasks: 12, groups: 7, max_parallel_width: 3, depth: 7 });
  });

  it('lists every problem of a bad plan and exits 2', () => {
    const path = file('bad.json', JSON.stringify(workflow([task('a', ['ghost']), task('b', ['b'])])));
    const { code, err, out } = cli('validate', path);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain('VALIDATION_ERROR [unknown_dependency]');
    expect(err).toContain('PROCESSING_ERROR [self_dependency]');
    const json = cli('validate', path, '--json');
    expect(json.code).toBe(2);
    expect(JSON.parse(json.out).problems.map((p: { reason: string }) => p.reason)).toEqual([
      'unknown_dependency',
      'self_dependency',
    ]);
  });

  it('refuses a plan that repeats a task key', () => {
    const path = file(
      'dup.json',
      '{"tasks": {"a": {"id": "a", "action": "x", "capability_ids": ["CAP-PRE-001"]}, "a": {"id": "a", "action": "y", "capability_ids": ["CAP-PRE-001"]}}}',
    );
    const { code, err } = cli('validate', path);
    expect(code).toBe(2);
    expect(err).toMatch(/^switchyard: INVALID_INPUT: .*repeats the key "a" in the object at tasks/u);
  });

  it.each([
    [['validate', '/no/such/plan.json'], 'FILE_ERROR'],
    [['validate', dir], 'FILE_ERROR'],
    [['validate'], 'USAGE_ERROR'],
    [['validate', PLAN, 'extra'], 'USAGE_ERROR'],
    [['validate', PLAN, '--bogus'], 'USAGE_ERROR'],
    [['frobnicate'], 'USAGE_ERROR'],
    [['graph', PLAN, '--status'], 'USAGE_ERROR'],
  ])('gives %j a coded error, exit 2, no stack', (argv, code) => {
    const result = cli(...argv);
    expect(result.code).toBe(2);
    expect(result.err.startsWith(`switchyard: ${code}: `)).toBe(true);
    expect(result.err).not.toMatch(/\n\s+at /u);
  });

  it('reports invalid JSON as INVALID_INPUT naming the file', () => {
    const path = file('broken.json', '{"tasks": ');
    const { code, err } = cli('validate', path);
    expect(code).toBe(2);
    expect(err).toContain('INVALID_INPUT');
    expect(err).toContain('broken.json');
  });
});

describe('switchyard graph', () => {
  it('prints the groups and the critical path', () => {
    const { code, out } = cli('graph', PLAN, '--critical-path');
    expect(code).toBe(0);
    expect(out).toContain('group 5: task_7, task_8, task_11\n');
    expect(out).toContain('critical path (weight 14): task_1 → task_2 → task_3 → task_5 → task_8 → task_9 → task_12');
  });

  it('prints Mermaid coloured by the statuses of a workflow_state file', () => {
    const status = file(
      'state.json',
      JSON.stringify({
        workflow_state: { task_states: { task_5: { status: 'failed' }, task_7: { status: 'skipped' } } },
      }),
    );
    const { code, out } = cli('graph', PLAN, '--mermaid', '--status', status);
    expect(code).toBe(0);
    expect(out.startsWith('flowchart TD\n')).toBe(true);
    expect(out).toContain('class task_5 failed');
    expect(out).toContain('class task_7 skipped');
  });

  it('refuses a status file without task statuses', () => {
    const status = file('nostatus.json', JSON.stringify({ task_5: 'exploded' }));
    const { code, err } = cli('graph', PLAN, '--mermaid', '--status', status);
    expect(code).toBe(2);
    expect(err).toContain('INVALID_INPUT');
  });

  it('prints order and groups as JSON', () => {
    const { out } = cli('graph', PLAN, '--json');
    const json = JSON.parse(out);
    expect(json.order).toHaveLength(12);
    expect(json.execution_groups[3]).toEqual({ group: 4, tasks: ['task_5', 'task_6'] });
  });
});

describe('switchyard schema', () => {
  it('lists the messages, and prints one as JSON Schema', () => {
    expect(cli('schema').out.split('\n')).toContain('task_result');
    const { code, out } = cli('schema', 'task_dispatch');
    expect(code).toBe(0);
    expect(JSON.parse(out).title).toBe('task_dispatch');
  });

  it('refuses an unknown message name with exit 2', () => {
    const { code, err } = cli('schema', 'nope');
    expect(code).toBe(2);
    expect(err).toContain('VALIDATION_ERROR');
  });
});

describe('the switchyard process', () => {
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', ...args], { encoding: 'utf8' });

  it('runs the demo, records it, points at the dashboard, and exits 0', () => {
    const db = join(mkdtempSync(join(tmpdir(), 'switchyard-demo-')), 'demo.db');
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'demo', '--db', db], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('group 7: task_12');
    const page = /then open (http:\/\/127\.0\.0\.1:7878\/#\/runs\/(demo-\S+))/u.exec(result.stdout);
    expect(page, result.stdout).not.toBeNull();
    const listed = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'runs', '--db', db, '--json'], {
      encoding: 'utf8',
    });
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ run_id: page?.[2], status: 'complete' })]);
  });

  it('exits 2 with one coded line on stderr for a missing file', () => {
    const result = run('graph', 'missing.json');
    expect(result.status).toBe(2);
    expect(result.stderr).toBe('switchyard: FILE_ERROR: Cannot read the plan "missing.json": there is no such file.\n');
  });

  it('runs the example for real from the compiled dist/, writing each artifact as a file:// URI', () => {
    const storage = mkdtempSync(join(tmpdir(), 'switchyard-storage-'));
    const result = spawnSync(
      process.execPath,
      [
        'dist/cli/bin.js',
        'run',
        'examples/video-analysis/plan.json',
        '--agents',
        'examples/video-analysis/agents.mjs',
        '--json',
      ],
      { encoding: 'utf8', env: { ...process.env, SWITCHYARD_STORAGE: storage } },
    );
    expect(result.status).toBe(0);
    const outcome = JSON.parse(result.stdout);
    expect(outcome.status).toBe('complete');
    const task12 = JSON.parse(
      readFileSync(
        new URL(outcome.derived_refs_final.find((r: { ref_id: string }) => r.ref_id === 'derived_7').storage_uri),
        'utf8',
      ),
    );
    expect(task12).toMatchObject({
      ref_id: 'derived_7',
      task_id: 'task_11',
      inputs: [{ ref_id: 'derived_2', kind: 'file' }],
    });
  });

  it('reads the plan from standard input with -', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'validate', '-'], {
      encoding: 'utf8',
      input: JSON.stringify(workflow([task('a')])),
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('valid plan');
  });
});
