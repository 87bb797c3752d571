import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { examplePlan } from '../helpers/fixtures.js';
import { dispatchOf, success } from '../helpers/runs.js';

const PLAN = 'examples/video-analysis/plan.json';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-step-'));
const file = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value));
  return path;
};

describe('switchyard step', () => {
  it('answers a plan, then a callback given the printed state, exiting 0', () => {
    const first = cli('step', PLAN, '--now', '2026-02-21T10:00:01+08:00');
    expect(first.code).toBe(0);
    const out = JSON.parse(first.out);
    expect(
      out.messages.map(
        (m: { output: { content: { dispatch: { task_id: string } } } }) => m.output.content.dispatch.task_id,
      ),
    ).toEqual(['task_1']);
    const state = file('state.json', first.out);
    const cb = file('cb.json', success(dispatchOf(out.messages, 'task_1')));
    const second = cli('step', '--state', state, cb);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.out).messages[0].output.content.dispatch.task_id).toBe('task_2');
  });

  it('is deterministic: the same input prints the same bytes', () => {
    expect(cli('step', PLAN, '--now', '2026-02-21T10:00:01+08:00').out).toBe(
      cli('step', PLAN, '--now', '2026-02-21T10:00:01+08:00').out,
    );
  });

  it('exits 2 with the coded error for unusable input, still printing the answer', () => {
    const empty = file('empty.json', {
      agent: { name: 'planning_agent', type: 'operational' },
      output: { content: { workflow: { tasks: {} } }, content_type: 'plan' },
    });
    const result = cli('step', empty);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^switchyard: INVALID_INPUT: /u);
    expect(JSON.parse(result.out).messages[0].output.content_type).toBe('error');
  });

  it('exits 0 for a duplicate callback (STALE_RESULT, state unchanged)', () => {
    const first = JSON.parse(cli('step', PLAN).out);
    const state = file('s2.json', first.state);
    const cb = file('cb2.json', success(dispatchOf(first.messages, 'task_1')));
    const second = JSON.parse(cli('step', '--state', state, cb).out);
    const again = cli('step', '--state', file('s3.json', second.state), cb);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out).messages[0].error.code).toBe('STALE_RESULT');
  });

  it.each([
    [['step', PLAN, '--policy', 'eager'], 'USAGE_ERROR'],
    [['step', PLAN, '--max-attempts', 'x'], 'USAGE_ERROR'],
    [['step', PLAN, '--now', 'yesterday'], 'USAGE_ERROR'],
    [['step', '--state', '/no/state.json', PLAN], 'FILE_ERROR'],
  ])('refuses %j with %s', (argv, code) => {
    const result = cli(...argv);
    expect(result.code).toBe(2);
    expect(result.err.startsWith(`switchyard: ${code}: `)).toBe(true);
  });
});

describe('switchyard simulate', () => {
  it("shows seed 003's Example 4 with --fail task_5:recoverable", () => {
    const { code, out } = cli('simulate', PLAN, '--fail', 'task_5:recoverable');
    expect(code).toBe(0);
    expect(out).toContain('→ task_5 attempt 3 to execution_agent');
    expect(out).toContain(
      'skipped task_10: Upstream dependency task_5 failed; required input_ref derived_3 unavailable',
    );
    expect(out).toContain('workflow partial: 7 complete, 1 failed, 4 skipped of 12');
  });

  it('recovers when a task fails only its first attempt, and runs across groups with --policy dependency', () => {
    expect(cli('simulate', PLAN, '--fail', 'task_2:recoverable:1').out).toContain('workflow complete: 12 complete');
    const json = JSON.parse(cli('simulate', PLAN, '--policy', 'dependency', '--json').out);
    expect(json.at(-1).messages.at(-1).output.content.workflow_result.status).toBe('complete');
  });

  it('refuses a bad --fail spec or an unknown task', () => {
    expect(cli('simulate', PLAN, '--fail', 'task_5:maybe').err).toContain('USAGE_ERROR');
    expect(cli('simulate', PLAN, '--fail', 'task_99').err).toContain('task_99');
  });

  it('refuses an invalid plan with its code', () => {
    const plan = examplePlan() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- editing fixture JSON
    plan.output.content.workflow.tasks.task_1.depends_on = ['task_12'];
    const result = cli('simulate', file('cyclic.json', plan));
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^switchyard: (PROCESSING_ERROR|VALIDATION_ERROR): /u);
  });
});
