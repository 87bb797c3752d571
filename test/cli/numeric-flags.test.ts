import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nonNegativeInt, positiveInt, wholeNumber } from '../../src/cli/numeric-flags.js';
import { createRuntime } from '../../src/runtime/create-runtime.js';
import { cliAsync } from '../helpers/cli.js';
import { thrown } from '../helpers/errors.js';

const PLAN = 'examples/video-analysis/plan.json';
const AGENTS = fileURLToPath(new URL('../fixtures/agents/test-agents.ts', import.meta.url));

describe('the CLI whole-number check', () => {
  it.each(['0x10', ' 2', '2 ', '1e3', '+2', '2.0', '-1', '', '٢', '99999999999999999999'])(
    'refuses %j with USAGE_ERROR',
    (value) => {
      expect(thrown(() => positiveInt('threads', value)).code).toBe('USAGE_ERROR');
    },
  );

  it('takes plain decimal digits, leading zeros included', () => {
    expect(positiveInt('threads', '2')).toBe(2);
    expect(nonNegativeInt('prefetch', '0')).toBe(0);
    expect(positiveInt('threads', '007')).toBe(7);
    expect(positiveInt('threads', undefined)).toBeUndefined();
  });

  it('refuses what a timer cannot hold (more than 2^31 - 1 ms), and takes the largest it can', () => {
    expect(thrown(() => positiveInt('timeout', '2147483648')).details).toMatchObject({
      flag: 'timeout',
      max: 2 ** 31 - 1,
    });
    expect(thrown(() => nonNegativeInt('drain-ms', '2147483648')).code).toBe('USAGE_ERROR');
    expect(positiveInt('timeout', '2147483647')).toBe(2 ** 31 - 1);
  });

  it('honours a tighter bound', () => {
    expect(wholeNumber('inspect-port', '65535', 1, 65_535)).toBe(65_535);
    expect(thrown(() => wholeNumber('inspect-port', '65536', 1, 65_535)).details).toMatchObject({ max: 65_535 });
  });
});

describe('numeric flags of every command', () => {
  it.each([
    [['step', PLAN, '--max-attempts', '1e1']],
    [['step', PLAN, '--max-attempts', ' 3']],
    [['simulate', PLAN, '--fail', 'task_5:recoverable:0x1']],
    [['simulate', PLAN, '--fail', 'task_5:recoverable:1.0']],
    [['show', 'some-run', '--steps', '+2']],
  ])('refuses %j with USAGE_ERROR and exit 2', async (argv) => {
    const result = await cliAsync(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^switchyard: USAGE_ERROR: /u);
  });

  it.each([
    [['--threads', '0x10']],
    [['--threads', ' 2']],
    [['--threads', '1e3']],
    [['--threads', '+2']],
    [['--threads', '2.0']],
    [['--threads', '257']],
    [['--concurrency', '1e0']],
    [['--timeout', '2147483648']],
    [['--inspect', '--inspect-port', '65536']],
  ])('run refuses %j with USAGE_ERROR before starting anything', async (flags) => {
    const result = await cliAsync('run', PLAN, '--agents', AGENTS, ...flags);
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^switchyard: USAGE_ERROR: /u);
  });

  it('resume refuses a --timeout a timer cannot hold before opening the database', async () => {
    const result = await cliAsync('resume', 'some-run', '--db', '/nonexistent/runs.db', '--timeout', '2147483648');
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/^switchyard: USAGE_ERROR: /u);
  });
});

describe('createRuntime options', () => {
  it.each([{ taskTimeoutMs: 2 ** 31 }, { heartbeatMs: 2 ** 31 }, { leaseTtlMs: 2 ** 31 }])(
    'refuses %j, which a timer cannot hold',
    async (option) => {
      await expect(createRuntime({ agents: [], pool: { maxThreads: 0 }, ...option })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    },
  );
});
