import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { humanLogLine, sessionLogger } from '../../src/cli/logger.js';
import { ProgressView, type ProgressState } from '../../src/cli/progress-view.js';
import type { TaskDispatchMessage } from '../../src/protocol/dispatch-output.js';
import { cliAsync } from '../helpers/cli.js';
import { task, workflow } from '../helpers/plans.js';

const AGENTS = fileURLToPath(new URL('../fixtures/agents/test-agents.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'switchyard-session-'));
/** b needs CAP-MEM-001, which no test agent serves: refused at submit, or with --allow-unserved failed at once by the dispatcher. */
const plan = join(dir, 'unserved.json');
writeFileSync(
  plan,
  JSON.stringify(workflow([task('a'), task('b', ['a'], { capability_ids: ['CAP-MEM-001'] }), task('c', ['a'])])),
);

describe('switchyard run output without a terminal', () => {
  it('writes human lines only on stderr: no raw pino JSON among the progress lines', () => {
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/bin.ts', 'run', plan, '--agents', AGENTS, '--json', '--allow-unserved'],
      { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' },
    );
    expect(result.status).toBe(3);
    const lines = result.stderr.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
    expect(lines).toContain('✓ a attempt 1');
  });

  it('refuses a plan with a task no runtime serves, naming it, before anything runs', async () => {
    const { code, err, out } = await cliAsync('run', plan, '--agents', AGENTS, '--json');
    expect(code).toBe(2);
    expect(err).toMatch(
      /^switchyard: CAPABILITY_NOT_AVAILABLE: No registered runtime serves 1 task of this plan: b \(execution_agent: CAP-MEM-001\)\./mu,
    );
    expect(err).not.toMatch(/✓ a attempt/u);
    expect(out).toBe('');
  });

  it('with --allow-unserved, runs the plan and gives a task no runtime serves its ✗ line', async () => {
    const { code, err } = await cliAsync('run', plan, '--agents', AGENTS, '--json', '--allow-unserved');
    expect(code).toBe(3);
    expect(err).toMatch(/^✗ b attempt 1: CAPABILITY_NOT_AVAILABLE \(not recoverable\)/mu);
  });

  it('sends the logs to --log-file as JSON lines, and none to stderr', async () => {
    const file = join(dir, 'run.log');
    const { err } = await cliAsync(
      'run',
      plan,
      '--agents',
      AGENTS,
      '--json',
      '--allow-unserved',
      '--log-file',
      file,
      '--log-level',
      'info',
    );
    expect(err).not.toMatch(/^switchyard (info|warn)/mu);
    const entries = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(entries.some((e) => e.level === 40 && e.msg.includes('capability not available'))).toBe(true);
    expect(entries.some((e) => e.level === 30)).toBe(true);
  });

  it('refuses a --log-file it cannot open with FILE_ERROR', async () => {
    const { code, err } = await cliAsync(
      'run',
      plan,
      '--agents',
      AGENTS,
      '--log-file',
      join(dir, 'no', 'such', 'dir', 'run.log'),
    );
    expect(err).toMatch(/^switchyard: FILE_ERROR: /u);
    expect(code).toBe(2);
  });
});

describe('the session logger', () => {
  it('writes a key once although a child logger binds it and the call gives it again', () => {
    const file = join(dir, 'twice.log');
    const log = sessionLogger('info', { out: () => undefined, err: () => undefined }, file);
    log.logger.child({ run_id: 'r1' }).warn({ run_id: 'r1', request_id: 'q' }, 'result lost');
    log.close();
    const line = readFileSync(file, 'utf8').trim();
    expect(line.match(/"run_id"/gu)).toHaveLength(1);
    expect(JSON.parse(line)).toMatchObject({ run_id: 'r1', request_id: 'q', msg: 'result lost' });
  });

  it('turns a pino line into one line a person reads', () => {
    expect(
      humanLogLine(
        '{"level":40,"time":1,"pid":2,"hostname":"h","run_id":"r","run_id":"r","err":{"message":"boom"},"n":3,"msg":"it broke"}',
      ),
    ).toBe('switchyard warn: it broke (run_id=r, err=boom, n=3)\n');
  });

  it('writes through the command output when stderr is no terminal', () => {
    let err = '';
    const log = sessionLogger('warn', { out: () => undefined, err: (t) => void (err += t) });
    log.logger.info('not shown');
    log.logger.warn({ task_id: 't' }, 'shown');
    expect(err).toBe('switchyard warn: shown (task_id=t)\n');
  });
});

describe('the progress bar', () => {
  const dispatch = (taskId: string) =>
    ({
      output: { content: { dispatch: { task_id: taskId, attempt: 1, execution_group: 1 } } },
      next_agent: { name: 'execution_agent' },
    }) as unknown as TaskDispatchMessage;
  const counts = { total: 2, completed: 0, in_progress: 0, pending: 0, failed: 1, skipped: 0 };

  it('never shows a task that failed without a result as running', () => {
    let screen = '';
    const state: ProgressState = {
      task_states: { b: { status: 'failed' }, c: { status: 'in_progress' } },
      failure_log: [
        {
          task_id: 'b',
          attempts: 1,
          error_code: 'CAPABILITY_NOT_AVAILABLE',
          error_message: 'no runtime',
          recoverable: false,
        },
      ],
    };
    const view = new ProgressView({ write: (t) => void (screen = t), tty: true }, () => state);
    view.dispatch(dispatch('b'));
    view.dispatch(dispatch('c'));
    view.progress({ ...counts, in_progress: 1 });
    expect(screen).toContain('running c');
    expect(screen).not.toMatch(/running.*\bb\b/u);
  });

  it('shows nothing running once the run ended', () => {
    const written: string[] = [];
    const view = new ProgressView({ write: (t) => void written.push(t), tty: true });
    view.dispatch(dispatch('b'));
    view.progress({ ...counts, in_progress: 1, failed: 0 });
    view.finish();
    expect(written.at(-2)).not.toContain('running');
    expect(written.at(-1)).toBe('\n');
  });
});
