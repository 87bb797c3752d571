import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ExecutionResultSchema } from '../../src/index.js';
import { runRecord } from '../../src/journal/recorded-run.js';
import { SqliteStore } from '../../src/sqlite.js';
import { killChildren, spawnChild } from '../helpers/children.js';
import { cliAsync } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The CLI from source, under tsx: no build needed, and a process of its own to kill. */
const BIN = join(ROOT, 'src/cli/bin.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const SPEC = join(ROOT, 'examples/specs/todo-cli.md');
const AGENTS = join(ROOT, 'test/fixtures/agents/hang-agents.mjs');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-dispatch-resume-'));
const previousCwd = process.cwd();
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// A test that fails or times out leaves the dispatch running (its task_3 never ends): kill it.
afterEach(async () => {
  process.chdir(previousCwd);
  await killChildren();
});

/**
 * Runs `switchyard dispatch` in a child process whose handler of `hang` never ends, and
 * SIGKILLs it once that handler has started and the file holds `recorded` (the store commits
 * on a writer thread, so a step may reach the file after the handler starts; a crash before
 * then would lose it, which the durable tests cover): the run stops at a known point, as a
 * crash would stop it.
 */
function dispatchUntilHung(cwd: string, hang: string, args: string[], isRecorded: () => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnChild(process.execPath, ['--import', TSX, BIN, 'dispatch', ...args], {
      cwd,
      env: { ...process.env, HANG_TASK: hang },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    let hung = false;
    const killOnceRecorded = () => {
      // Another process writes the file: nothing to wait on but the file itself, read every 20 ms.
      if (isRecorded()) child.kill('SIGKILL');
      else setTimeout(killOnceRecorded, 20);
    };
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      if (!hung && err.includes(`hang-agents: ${hang} hangs`)) {
        hung = true;
        killOnceRecorded();
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve(err) : reject(new Error(`dispatch ended before ${hang} hung:\n${err}`)),
    );
  });
}

/** The run's record as a new process reads it from the file. */
function recorded(db: string, runId: string) {
  const store = SqliteStore.open(db, { mode: 'existing' });
  try {
    return runRecord(store, runId);
  } finally {
    store.close();
  }
}

describe('switchyard resume of a run switchyard dispatch started', () => {
  it('reports the whole run as dispatch does: attempts, times and tokens before the crash from the journal, the rest live', async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const db = join(cwd, 'runs.db');
    // task_2 fails once (retried), task_3 hangs: tasks 1 and 2 end before the kill, task_3 is in flight.
    const err = await dispatchUntilHung(
      cwd,
      'task_3',
      [SPEC, '--agents', AGENTS, '--db', db, '--run-id', 'todo-crash', '--fail', 'task_2:recoverable:1'],
      () => existsSync(db) && recorded(db, 'todo-crash').counts.completed === 2,
    );
    expect(err).toContain('✗ task_2 attempt 1: INJECTED_FAULT');
    const before = recorded(db, 'todo-crash');
    expect(before.status).toBe('running'); // killed: nothing recorded an end
    expect(before.counts).toMatchObject({ completed: 2, in_progress: 1 });
    expect(before.runner).toMatchObject({ dispatch: { planning: { decomposer: 'pattern' } } });

    process.chdir(cwd); // artifacts live under the cwd's .switchyard, as they did for dispatch
    const report = join(cwd, 'report.md');
    const resumed = await cliAsync('resume', 'todo-crash', '--db', db, '--json', '--report', report);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.err).toContain('→ task_3 attempt 1 to execution_agent');
    expect(resumed.err).not.toContain('→ task_1 ');
    const result = ExecutionResultSchema.parse(JSON.parse(resumed.out));
    expect(readFileSync(report, 'utf8')).toBe(result.report);
    expect(result).toMatchObject({ runId: 'todo-crash', status: 'complete', successRate: 100 });
    expect(result.planning).toMatchObject({ decomposer: 'pattern' });
    expect(result.tasks).toHaveLength(13);
    const task = (id: string) => result.tasks.find((t) => t.taskId === id)!;

    // Before the crash, from the journal: task_2's failed attempt and its retry, timed, with their outcomes.
    expect(task('task_1').attempts).toMatchObject([
      { attempt: 1, agent: 'execution_agent', status: 'complete', usage: { total_tokens: 15, model: 'model-e' } },
    ]);
    expect(task('task_2').attempts).toMatchObject([
      { attempt: 1, status: 'failed', error: { code: 'INJECTED_FAULT', recoverable: true } },
      { attempt: 2, status: 'complete', summary: 'execution_agent did task_2' },
    ]);
    for (const id of ['task_1', 'task_2'])
      for (const a of task(id).attempts) {
        expect(a.resentAt).toBeUndefined();
        expect(a.endedAt! - a.dispatchedAt).toBe(a.durationMs);
        expect(a.dispatchedAt).toBeGreaterThanOrEqual(result.startedAt!);
      }
    // In flight at the crash: sent again under its attempt number, timed from the resend, said so.
    const [hung] = task('task_3').attempts;
    expect(task('task_3').attempts).toHaveLength(1);
    expect(hung).toMatchObject({ attempt: 1, status: 'complete' });
    expect(hung.resentAt).toBeGreaterThan(hung.dispatchedAt);
    expect(hung.durationMs).toBe(hung.endedAt! - hung.resentAt!);
    // After the resume, live: the rest of the plan, once each; the synthesis report's tokens.
    expect(task('task_13').attempts).toMatchObject([{ attempt: 1, agent: 'reasoning_agent', status: 'complete' }]);
    expect(task('task_13').attempts[0].usage).toMatchObject({ total_tokens: 120, model: 'model-r' });
    expect(result.metrics.byAgent.execution_agent).toMatchObject({ tasks: 12, attempts: 13, complete: 12, failed: 1 });
    // 15 for each of the execution agent's 12 completed attempts (the injected fault reports none), 120 for task_13.
    expect(result.metrics.byAgent.execution_agent.tokens.total_tokens).toBe(180);
    expect(result.metrics.tokens.total_tokens).toBe(300);
    for (const a of result.finalArtifacts) expect(existsSync(fileURLToPath(a.uri))).toBe(true);

    // The stop, and what is not known about it.
    expect(result.resumed?.stops).toHaveLength(1);
    expect(result.resumed?.stops[0]).toMatchObject({ redispatched: ['task_3'] });
    expect(result.resumed?.stops[0].resumedAt).toBeGreaterThanOrEqual(result.resumed!.stops[0].lastRecordedAt);
    expect(result.resumed?.unknown).toEqual([expect.stringMatching(/^task_3 attempt 1 was in flight/u)]);
    expect(result.report).toContain('## Resumed');
    expect(result.report).toMatch(/\| `task_2` \| execution_agent \| complete \| 2 \|/u);
  }, 120_000);

  it('resumes a dispatch run recorded before dispatch marked its runs as run does (the workflow_result), and refuses --report for it', async () => {
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const db = join(cwd, 'old.db');
    process.chdir(cwd);
    const ran = await cliAsync('dispatch', SPEC, '--agents', AGENTS, '--db', db, '--run-id', 'old', '--json');
    expect(ran.code, ran.err).toBe(0);
    // What an older database holds, stopped after its first steps: no dispatch mark on the runner.
    const sql = new Database(db);
    sql.prepare("UPDATE runs SET runner = json_remove(runner, '$.dispatch') WHERE run_id = 'old'").run();
    sql.prepare("DELETE FROM events WHERE run_id = 'old' AND seq > 3").run();
    sql.prepare("DELETE FROM checkpoints WHERE run_id = 'old'").run();
    sql
      .prepare(
        "UPDATE runs SET status = 'running', ended_at = NULL, result = NULL, last_seq = (SELECT max(last_seq) FROM events WHERE run_id = 'old') WHERE run_id = 'old'",
      )
      .run();
    sql.close();
    const refused = await cliAsync('resume', 'old', '--db', db, '--report', join(cwd, 'r.md'));
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/^switchyard: USAGE_ERROR: /u);
    const resumed = await cliAsync('resume', 'old', '--db', db, '--json');
    expect(resumed.code, resumed.err).toBe(0);
    const result = JSON.parse(resumed.out);
    expect(result).toMatchObject({ status: 'complete', completed_tasks: 13 });
    expect(result.report).toBeUndefined();
  }, 120_000);
});
