import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cliAsync } from '../helpers/cli.js';
import { closedPort, type OpenAiTestDouble, startOpenAiTestDouble } from '../helpers/openai-test-double.js';
import { patternDrafts } from '../../src/planning/pattern-decomposer.js';
import { readSpecification } from '../../src/planning/read-spec.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-plan-'));
const AGENTS = 'examples/specs/agents.mjs';
const EXAMPLES = [
  ['examples/specs/todo-cli.md', 'todo-cli'],
  ['examples/specs/bookmarks-api.md', 'bookmarks-api'],
  ['examples/specs/weather-pipeline.json', 'weather-pipeline'],
] as const;

const doubles: OpenAiTestDouble[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.close()));
});
const savedStorage = process.env.SWITCHYARD_STORAGE;
process.env.SWITCHYARD_STORAGE = join(dir, 'storage');
afterAll(() => {
  if (savedStorage === undefined) delete process.env.SWITCHYARD_STORAGE;
  else process.env.SWITCHYARD_STORAGE = savedStorage;
});

describe('switchyard plan', () => {
  it.each(EXAMPLES)(
    'plans %s, and `validate` and `run` take the plan as it is, to a complete run',
    async (spec, name) => {
      const out = join(dir, `${name}.json`);
      const planned = await cliAsync('plan', spec, '-o', out);
      expect(planned.code).toBe(0);
      expect(planned.out).toMatch(/tasks \d+: research \d+, design 1, code_writing \d+, testing \d+/u);
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(`test/fixtures/plans/${name}.plan.json`, 'utf8'));
      expect((await cliAsync('validate', out)).code).toBe(0);
      const run = await cliAsync('run', out, '--agents', AGENTS, '--json');
      expect(run.code).toBe(0);
      const result = JSON.parse(run.out) as { status: string; task_results: Record<string, { status: string }> };
      expect(result.status).toBe('complete');
      const total = Object.keys(
        (JSON.parse(readFileSync(out, 'utf8')) as { output: { content: { workflow: { tasks: object } } } }).output
          .content.workflow.tasks,
      ).length;
      expect(Object.values(result.task_results).filter((t) => t.status === 'complete')).toHaveLength(total);
    },
  );

  it('prints the plan on stdout and the summary on stderr without -o, and JSON with --json', async () => {
    const plain = await cliAsync('plan', 'examples/specs/todo-cli.md');
    expect(plain.out).toBe(readFileSync('test/fixtures/plans/todo-cli.plan.json', 'utf8'));
    expect(plain.err).toContain('planned by the pattern rules');
    const json = await cliAsync(
      'plan',
      'examples/specs/todo-cli.md',
      '--json',
      '--timestamp',
      '2026-12-05T10:00:00+00:00',
    );
    const facts = JSON.parse(json.out) as {
      tasks: number;
      tasks_by_type: Record<string, number>;
      planning: { decomposer: string };
      plan: { metadata: { timestamp: string } };
    };
    expect(facts.planning.decomposer).toBe('pattern');
    expect(facts.tasks).toBe(Object.values(facts.tasks_by_type).reduce((a, b) => a + b, 0));
    expect(facts.plan.metadata.timestamp).toBe('2026-12-05T10:00:00+00:00');
  });

  it('plans with a model given by --llm and --model (the model side is the OpenAI test double)', async () => {
    const read = readSpecification(readFileSync('examples/specs/todo-cli.md', 'utf8'));
    if (!read.ok) throw read.error;
    const d = await startOpenAiTestDouble([
      {
        content: JSON.stringify(patternDrafts(read.value)),
        usage: { prompt_tokens: 900, completion_tokens: 600, total_tokens: 1500 },
      },
    ]);
    doubles.push(d);
    const result = await cliAsync(
      'plan',
      'examples/specs/todo-cli.md',
      '--llm',
      d.baseURL,
      '--model',
      'double-model',
      '--json',
      '-o',
      join(dir, 'llm.json'),
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.out)).toMatchObject({
      planning: { decomposer: 'llm', model: 'double-model', calls: 1, usage: { totalTokens: 1500 } },
    });
    expect(d.requests).toHaveLength(1);
  });

  it('with --llm-dependencies, adds the model’s valid proposals as model edges and lists the ones refused', async () => {
    const proposals = {
      dependencies: [
        { task_id: 'task_11', depends_on: 'task_8', reason: 'document the integrated CLI, not its parts' },
        { task_id: 'task_1', depends_on: 'task_13', reason: 'research after the report' },
      ],
    };
    // The model declines to draft (the pattern rules plan instead), then analyses that plan.
    const d = await startOpenAiTestDouble([{ refusal: 'I cannot plan this.' }, { content: JSON.stringify(proposals) }]);
    doubles.push(d);
    const out = join(dir, 'analysed.json');
    const result = await cliAsync(
      'plan',
      'examples/specs/todo-cli.md',
      '--llm',
      d.baseURL,
      '--model',
      'double-model',
      '--llm-dependencies',
      '-o',
      out,
    );
    expect(result.code).toBe(0);
    expect(result.out).toContain('dependency analysis: the model proposed 2, 1 kept');
    expect(result.out).toMatch(/refused task_1 → task_13 \(cycle\)/u);
    const plan = JSON.parse(readFileSync(out, 'utf8')) as {
      output: {
        content: { workflow: { tasks: Record<string, { dependencies: Array<{ task_id: string; origin: string }> }> } };
      };
    };
    expect(plan.output.content.workflow.tasks.task_11.dependencies).toContainEqual(
      expect.objectContaining({ task_id: 'task_8', origin: 'model' }),
    );
    expect((await cliAsync('validate', out)).code).toBe(0);
  });

  it('falls back to the pattern rules when the model cannot be reached, and says why on stderr', async () => {
    const port = await closedPort();
    const result = await cliAsync(
      'plan',
      'examples/specs/todo-cli.md',
      '--llm',
      `http://127.0.0.1:${port}/v1`,
      '--model',
      'm',
      '-o',
      join(dir, 'fallback.json'),
    );
    expect(result.code).toBe(0);
    expect(result.err).toContain('LLM_FAILED');
    expect(result.out).toContain('the model path failed (LLM_FAILED)');
  });

  it('refuses a cycle among components naming it, and breaks it with --resolve-cycles, listing the edge removed', async () => {
    const spec = join(dir, 'cyclic.md');
    writeFileSync(
      spec,
      '# Cyclic\n\nTwo parts that need each other.\n\n## Components\n\n- a: one part (depends on: b)\n- b: the other (depends on: a)\n\n## Requirements\n\n- R1: a must call b (component: a)\n- R2: b must call a (component: b)\n',
    );
    const refused = await cliAsync('plan', spec);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('PROCESSING_ERROR');
    expect(refused.err).toContain('--resolve-cycles');
    const resolved = await cliAsync('plan', spec, '--resolve-cycles', '-o', join(dir, 'resolved.json'));
    expect(resolved.code).toBe(0);
    expect(resolved.out).toMatch(/removed task_\d+ → task_\d+ \(declared logical: component \w depends on \w/u);
    expect((await cliAsync('validate', join(dir, 'resolved.json'))).code).toBe(0);
  });

  it.each([
    [['plan'], 'USAGE_ERROR'],
    [['plan', 'nope.md'], 'FILE_ERROR'],
    [['plan', 'examples/specs/todo-cli.md', '--format', 'xml'], 'USAGE_ERROR'],
    [['plan', 'examples/specs/todo-cli.md', '--model', 'm'], 'USAGE_ERROR'],
    [['plan', 'examples/specs/todo-cli.md', '--llm-dependencies'], 'USAGE_ERROR'],
    [
      ['plan', 'examples/specs/todo-cli.md', '--llm', 'http://127.0.0.1:9/v1', '--model', 'm', '--llm-timeout', '0x10'],
      'USAGE_ERROR',
    ],
    [['plan', 'examples/specs/todo-cli.md', '--llm', 'not a url', '--model', 'm'], 'USAGE_ERROR'],
    [['plan', 'examples/specs/todo-cli.md', '--timestamp', 'yesterday'], 'USAGE_ERROR'],
    [['plan', 'examples/specs/todo-cli.md', '--format', 'json'], 'INVALID_INPUT'],
    [['plan', 'package-lock.json', '--format', 'md'], 'INVALID_INPUT'],
  ])('refuses %j with %s and exit 2', async (argv, code) => {
    const result = await cliAsync(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`switchyard: ${code}: `);
  });
});
