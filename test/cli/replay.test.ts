import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliAsync } from '../helpers/cli.js';

const PLAN = 'examples/video-analysis/plan.json';
const AGENTS = fileURLToPath(new URL('../fixtures/agents/test-agents.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'switchyard-replay-cli-'));
const db = join(dir, 'runs.db');

beforeAll(async () => {
  // task_5 fails once (recoverable) and is retried: the replay shows the retry.
  const ran = await cliAsync(
    'run',
    PLAN,
    '--agents',
    AGENTS,
    '--db',
    db,
    '--run-id',
    'r1',
    '--fail',
    'task_5:recoverable:1',
    '--json',
  );
  expect(ran.code, ran.err).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('switchyard replay', () => {
  it('steps through a recorded run: each step, what happened, and every status it changed', async () => {
    const { code, out } = await cliAsync('replay', 'r1', '--db', db);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^#1 {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}plan_accepted$/u);
    expect(lines[1]).toMatch(/^#2–3 {2}.* {2}run_started, task_dispatched task_1$/u);
    expect(lines[2]).toBe('      task_1 pending→in_progress');
    expect(out).toContain('result_received task_5 INJECTED_FAULT');
    expect(out).toContain('task_retried task_5');
    expect(out).toMatch(/task_12 \w+→complete/u);
    expect(lines.at(-2)).toMatch(/result_received task_12 ok, run_completed$/u);
    expect(lines.at(-1)).toBe('      task_12 in_progress→complete');
  });

  it('prints one JSON line per step with --json, the changes of every step adding up to the final statuses', async () => {
    const { out } = await cliAsync('replay', 'r1', '--db', db, '--json');
    const steps = out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { seq: number; last: number; changed: string[] });
    for (let i = 1; i < steps.length; i++) expect(steps[i].seq).toBe(steps[i - 1].last + 1);
    const final = new Map<string, string>();
    for (const s of steps) for (const c of s.changed) final.set(c.split(' ')[0], c.split('→')[1]);
    expect(final.size).toBe(12);
    expect([...final.values()].every((v) => v === 'complete')).toBe(true);
  });

  it('shows the run as it stood after an event with --at', async () => {
    const early = await cliAsync('replay', 'r1', '--db', db, '--at', '2');
    expect(early.code).toBe(0);
    expect(early.out).toMatch(/^run r1 after event \d+/u);
    expect(early.out).toMatch(/task_1\s+in_progress\s+1\s+execution_agent/u);
    expect(early.out).toMatch(/task_12\s+pending\s+0/u);
    const json = JSON.parse((await cliAsync('replay', 'r1', '--db', db, '--at', '100000', '--json')).out);
    expect(json.workflow_state.task_states.task_5).toMatchObject({ status: 'complete', attempts: 2 });
    expect(json.workflow_state.failure_log[0]).toMatchObject({ task_id: 'task_5' });
  });

  it('refuses an unknown run and a bad --at with coded errors', async () => {
    const missing = await cliAsync('replay', 'nope', '--db', db);
    expect({ code: missing.code, err: missing.err }).toEqual({
      code: 2,
      err: expect.stringContaining('RUN_NOT_FOUND'),
    });
    const bad = await cliAsync('replay', 'r1', '--db', db, '--at', '-3');
    expect({ code: bad.code, err: bad.err }).toEqual({ code: 2, err: expect.stringContaining('USAGE_ERROR') });
  });
});
