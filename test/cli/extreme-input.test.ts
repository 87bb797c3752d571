import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_INPUT_LIMITS, inputLimits, readJson } from '../../src/cli/io.js';
import { writeJson } from '../../src/cli/json-out.js';
import { cliAsync } from '../helpers/cli.js';
import { thrown } from '../helpers/errors.js';
import { task, workflow } from '../helpers/plans.js';

const AGENTS = fileURLToPath(new URL('../fixtures/agents/test-agents.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'switchyard-extreme-'));
const planMessage = (w: unknown) => ({
  agent: { name: 'planning_agent', type: 'operational' },
  output: { content: { workflow: w }, content_type: 'plan' },
});

/** A valid plan whose task_1 carries a field nested 100,000 arrays deep. */
const deep = join(dir, 'deep.json');
writeFileSync(
  deep,
  JSON.stringify(planMessage(workflow([task('task_1', [], { params: 0 } as never)]))).replace(
    '"params":0',
    `"params":${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  ),
);

/** A valid plan with a 1.5 MB action: over the 1 MiB limit the tests set (the default is 64 MiB). */
const SMALL_LIMIT = 1024 * 1024;
const huge = join(dir, 'huge.json');
writeFileSync(
  huge,
  JSON.stringify(planMessage(workflow([task('task_1', [], { action: 'y'.repeat(1.5 * 1024 * 1024) })]))),
);

const bare = join(dir, 'bare.json');
writeFileSync(bare, JSON.stringify(workflow([task('a'), task('b', ['a'])])));

/** Every command that reads a plan, with the flags it needs. */
const planCommands: ReadonlyArray<readonly [string, string[]]> = [
  ['validate', []],
  ['graph', []],
  ['graph', ['--json']],
  ['simulate', []],
  ['simulate', ['--json']],
  ['step', []],
  ['run', ['--agents', AGENTS, '--json']],
];

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('every plan-reading command on extreme input', () => {
  it.each(planCommands)('%s %j refuses a field nested 100,000 deep: INVALID_INPUT, exit 2', async (command, flags) => {
    const result = await cliAsync(command, deep, ...flags);
    expect(result.err).toMatch(/^switchyard: INVALID_INPUT: /u);
    expect(result.code).toBe(2);
  });

  it.each(planCommands)('%s %j refuses a file over the size limit: INVALID_INPUT, exit 2', async (command, flags) => {
    vi.stubEnv('SWITCHYARD_MAX_INPUT_BYTES', String(SMALL_LIMIT));
    const result = await cliAsync(command, huge, ...flags);
    expect(result.err).toMatch(/^switchyard: INVALID_INPUT: /u);
    expect(result.code).toBe(2);
  });

  it.each(planCommands)('%s %j takes a bare workflow, as validate and run do', async (command, flags) => {
    const result = await cliAsync(command, bare, ...flags);
    expect(result.err).not.toMatch(/switchyard: [A-Z_]+: /u);
    expect(result.code).toBe(0);
  });

  it('simulates a bare workflow to the end', async () => {
    const { out } = await cliAsync('simulate', bare, '--json');
    expect(JSON.parse(out).at(-1).messages.at(-1).output.content.workflow_result.status).toBe('complete');
  });

  it('refuses too big input on standard input too', () => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/bin.ts', 'validate', '-'], {
      input: readFileSync(huge),
      encoding: 'utf8',
      env: { ...process.env, SWITCHYARD_MAX_INPUT_BYTES: String(SMALL_LIMIT) },
      timeout: 25_000,
      killSignal: 'SIGKILL',
    });
    expect(result.stderr).toMatch(/^switchyard: INVALID_INPUT: /u);
    expect(result.status).toBe(2);
  });
});

describe('the input limits', () => {
  it('names the limit hit in the error details', () => {
    expect(thrown(() => readJson(deep, 'plan')).details).toMatchObject({
      limit: 'depth',
      max: DEFAULT_INPUT_LIMITS.maxDepth,
    });
    vi.stubEnv('SWITCHYARD_MAX_INPUT_BYTES', String(SMALL_LIMIT));
    expect(thrown(() => readJson(huge, 'plan')).details).toMatchObject({ limit: 'size', max: SMALL_LIMIT });
  });

  it('takes input right at the limits', () => {
    const atDepth = join(dir, 'at-depth.json');
    writeFileSync(atDepth, `${'['.repeat(DEFAULT_INPUT_LIMITS.maxDepth)}${']'.repeat(DEFAULT_INPUT_LIMITS.maxDepth)}`);
    expect(() => readJson(atDepth, 'plan')).not.toThrow();
    vi.stubEnv('SWITCHYARD_MAX_INPUT_BYTES', String(readFileSync(huge).length));
    expect(() => readJson(huge, 'plan')).not.toThrow();
  });

  it('refuses a limit variable that is not a whole number from 1 up', () => {
    for (const value of ['0', '1e6', '-5', 'lots'])
      expect(thrown(() => inputLimits({ SWITCHYARD_MAX_INPUT_DEPTH: value })).code).toBe('USAGE_ERROR');
    expect(inputLimits({ SWITCHYARD_MAX_INPUT_BYTES: '100', SWITCHYARD_MAX_INPUT_DEPTH: '' })).toEqual({
      maxBytes: 100,
      maxDepth: DEFAULT_INPUT_LIMITS.maxDepth,
    });
  });
});

describe('writeJson', () => {
  const written = (value: unknown) => {
    const pieces: string[] = [];
    writeJson((t) => pieces.push(t), value);
    return pieces;
  };

  it('writes the bytes of JSON.stringify(value, null, 2) and a newline', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(written(value).join('')).toBe(`${JSON.stringify(value, null, 2)}\n`);
      }),
      { numRuns: 300 },
    );
    const sparse = { a: undefined, b: [undefined, () => 1], c: { d: [], e: {} } };
    expect(written(sparse).join('')).toBe(`${JSON.stringify(sparse, null, 2)}\n`);
  });

  it('never builds the whole text: each piece holds about one value a few levels down', () => {
    // What step and simulate --json print: every message carries the whole state, plan included.
    const state = { switchyard: { plan: { action: 'y'.repeat(1024 * 1024) } } };
    const steps = Array.from({ length: 40 }, (_, i) => ({
      at: i,
      messages: [{ metadata: { workflow_state: state } }, { metadata: { workflow_state: state } }],
    }));
    const pieces = written(steps);
    expect(pieces.join('').length).toBeGreaterThan(80 * 1024 * 1024);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(3 * 1024 * 1024);
  });
});
