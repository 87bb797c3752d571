import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { parseAge } from '../../src/cli/commands/prune.js';
import { cliAsync } from '../helpers/cli.js';

const PLAN = 'examples/video-analysis/plan.json';
const AGENTS = fileURLToPath(new URL('../fixtures/agents/test-agents.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'switchyard-durable-cli-'));

describe('switchyard run --db, runs, show, resume, prune', () => {
  const db = join(dir, 'runs.db');

  it('records a run, lists it, shows its tasks, failures and log, and refuses to resume it once ended', async () => {
    const ran = await cliAsync(
      'run',
      PLAN,
      '--agents',
      AGENTS,
      '--db',
      db,
      '--run-id',
      'demo-1',
      '--fail',
      'task_5:recoverable:1',
      '--json',
    );
    expect(ran.code).toBe(0);
    expect(ran.err).toContain(`Run demo-1 is recorded in ${db}`);
    const result = JSON.parse(ran.out);
    expect(result.status).toBe('complete');

    const listed = await cliAsync('runs', '--db', db);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/demo-1\s+complete\s+12\/12/u);
    const json = JSON.parse((await cliAsync('runs', '--db', db, '--json')).out);
    expect(json[0]).toMatchObject({ run_id: 'demo-1', status: 'complete', total: 12, completed: 12 });

    const shown = await cliAsync('show', 'demo-1', '--db', db);
    expect(shown.code).toBe(0);
    expect(shown.out).toContain('run demo-1: complete — 12/12 complete');
    expect(shown.out).toMatch(/task_5\s+complete\s+2\s+execution_agent/u);
    expect(shown.out).toContain('task_5 attempt 1: INJECTED_FAULT (recoverable, retried)');
    expect(shown.out).toContain('group 7: started');
    expect(shown.out).toContain('run_completed');
    const shownJson = JSON.parse((await cliAsync('show', 'demo-1', '--db', db, '--json')).out);
    expect(shownJson.workflow_state.task_states.task_12.status).toBe('complete');

    const again = await cliAsync('resume', 'demo-1', '--db', db);
    expect(again.code).toBe(2);
    expect(again.err).toContain('switchyard: RUN_ENDED: Run demo-1 already ended (complete)');
    const taken = await cliAsync('run', PLAN, '--agents', AGENTS, '--db', db, '--run-id', 'demo-1');
    expect(taken.code).toBe(2);
    expect(taken.err).toContain('switchyard: RUN_EXISTS:');
  });

  it('resumes an interrupted run with the handler modules it was started with', async () => {
    // A run recorded as stopped after its first step: what a killed `switchyard run --db` leaves.
    const file = join(dir, 'stopped.db');
    const ran = await cliAsync('run', PLAN, '--agents', AGENTS, '--db', file, '--run-id', 'stopped', '--json');
    expect(ran.code).toBe(0);
    const sql = new Database(file);
    sql.prepare("DELETE FROM events WHERE run_id = 'stopped' AND seq > 3").run();
    sql.prepare("DELETE FROM checkpoints WHERE run_id = 'stopped'").run();
    sql
      .prepare(
        "UPDATE runs SET status = 'running', ended_at = NULL, result = NULL, last_seq = (SELECT max(last_seq) FROM events WHERE run_id = 'stopped') WHERE run_id = 'stopped'",
      )
      .run();
    sql.close();
    expect((await cliAsync('runs', '--db', file)).out).toMatch(/stopped\s+interrupted/u);
    const resumed = await cliAsync('resume', 'stopped', '--db', file, '--json');
    expect(resumed.code, resumed.err).toBe(0);
    expect(JSON.parse(resumed.out).status).toBe('complete');
    expect((await cliAsync('runs', '--db', file)).out).toMatch(/stopped\s+complete\s+12\/12/u);
  });

  it('prunes runs that ended long enough ago', async () => {
    const none = await cliAsync('prune', '--older-than', '1d', '--db', db);
    expect(none.out).toContain('No run in');
    const pruned = await cliAsync('prune', '--older-than', '0s', '--db', db);
    expect(pruned.out).toContain('Pruned 1 run');
    expect((await cliAsync('runs', '--db', db)).out).toContain('No runs in');
    expect(parseAge('7d')).toBe(7 * 86_400_000);
    expect(parseAge('1.5h')).toBe(5_400_000);
  });

  it.each([
    [['runs', '--db', join(dir, 'missing.db')], 'FILE_ERROR'],
    [['show', 'nope', '--db', join(dir, 'runs.db')], 'RUN_NOT_FOUND'],
    [['resume', 'nope', '--db', join(dir, 'runs.db')], 'RUN_NOT_FOUND'],
    [['prune', '--db', join(dir, 'runs.db')], 'USAGE_ERROR'],
    [['prune', '--older-than', 'a week', '--db', join(dir, 'runs.db')], 'USAGE_ERROR'],
    [['runs', '--db', join(dir, 'garbage.db')], 'STORE_CORRUPT'],
    [['runs', '--db', join(dir, 'empty.db')], 'STORE_EMPTY'],
    [['run', PLAN, '--agents', AGENTS, '--db', join(dir, 'garbage.db')], 'STORE_CORRUPT'],
    [['run', PLAN, '--agents', AGENTS, '--db', dir], 'FILE_ERROR'],
  ])('refuses %j with %s, a sentence naming the file, and exit 2', async (argv, code) => {
    writeFileSync(
      join(dir, 'garbage.db'),
      'this is not a database, just some text that is long enough to look like a header...'.repeat(100),
    );
    writeFileSync(join(dir, 'empty.db'), '');
    const result = await cliAsync(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(new RegExp(`^switchyard: ${code}: `, 'u'));
    expect(result.err).not.toContain('    at ');
  });
});

describe('the switchyard package entry', () => {
  it('never loads the native SQLite module: only switchyard/sqlite and the CLI store commands do', () => {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      expect(text, `${file} imports better-sqlite3`).not.toMatch(/from ['"]better-sqlite3['"]/u);
      for (const m of text.matchAll(/^(?:import|export)[^'"]*from '(\.[^']+)'/gmu))
        visit(join(file, '..', m[1].replace(/\.js$/u, '.ts')));
    };
    visit(fileURLToPath(new URL('../../src/index.ts', import.meta.url)));
    expect(seen.size).toBeGreaterThan(50);
  });
});

describe('switchyard runtime and run --nats, refusing bad input', () => {
  it.each([
    [['runtime', '--agents', AGENTS], 'USAGE_ERROR'],
    [['runtime', '--nats', 'nats://127.0.0.1:1'], 'USAGE_ERROR'],
    [['runtime', '--nats', 'nats://127.0.0.1:1', '--agents', AGENTS, '--drain-ms', '-1'], 'USAGE_ERROR'],
    [['runtime', '--nats', 'nats://127.0.0.1:1', '--agents', AGENTS], 'CONNECTION_FAILED'],
    [['run', PLAN, '--nats', 'nats://127.0.0.1:1', '--threads', '0'], 'CONNECTION_FAILED'],
    [['run', PLAN, '--threads', '0', '--agents', AGENTS], 'USAGE_ERROR'],
    [['run', PLAN, '--nats', 'nats://127.0.0.1:1', '--threads', '0', '--wait-runtimes', 'two'], 'USAGE_ERROR'],
  ])('refuses %j with %s and exit 2', async (argv, code) => {
    const result = await cliAsync(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(new RegExp(`^switchyard: ${code}: `, 'u'));
  });
});
