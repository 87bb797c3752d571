import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type ExecutionResult, ExecutionResultSchema } from '../../src/index.js';
import { patternDrafts } from '../../src/planning/pattern-decomposer.js';
import { readSpecification } from '../../src/planning/read-spec.js';
import { cliAsync } from '../helpers/cli.js';
import { filesystemChildren, killAll } from '../helpers/mcp-servers.js';
import { type ScriptEntry, startOpenAiTestDouble, type OpenAiTestDouble } from '../helpers/openai-test-double.js';
import { TODO_CLI_FILES } from './todo-cli-files.js';

/*
 * `switchyard dispatch` with no --agents: the built-in agents, each task type on its own, in
 * real worker threads; the MCP tools on the real server-filesystem; the model side, where there
 * is one, the OpenAI-protocol TEST DOUBLE (scripted answers, not a model).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SPEC = join(ROOT, 'examples/specs/todo-cli.md');
const dir = mkdtempSync(join(tmpdir(), 'switchyard-dispatch-built-in-'));
const previousCwd = process.cwd();

const doubles: OpenAiTestDouble[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.close()));
  process.chdir(previousCwd);
  killAll(filesystemChildren());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `switchyard dispatch SPEC …` in-process, in a fresh directory laid out as the README's (examples/, node_modules/). */
async function dispatchHere(...args: string[]) {
  const cwd = mkdtempSync(join(dir, 'cwd-'));
  mkdirSync(join(cwd, '.switchyard', 'workspace'), { recursive: true });
  mkdirSync(join(cwd, 'node_modules'));
  symlinkSync(join(ROOT, 'examples'), join(cwd, 'examples'), 'dir');
  symlinkSync(
    join(ROOT, 'node_modules', '@modelcontextprotocol'),
    join(cwd, 'node_modules', '@modelcontextprotocol'),
    'dir',
  );
  process.chdir(cwd);
  try {
    const r = await cliAsync('dispatch', SPEC, '--json', ...args);
    const result = r.out ? ExecutionResultSchema.parse(JSON.parse(r.out)) : undefined;
    return { ...r, cwd, result };
  } finally {
    process.chdir(previousCwd);
  }
}

const agentOf = (result: ExecutionResult | undefined) =>
  Object.fromEntries((result?.tasks ?? []).map((t) => [t.taskId, t.agent]));
const text = (uri: string) => readFileSync(fileURLToPath(uri), 'utf8');
const artifact = (result: ExecutionResult | undefined, ref: string) =>
  text(result?.finalArtifacts.find((a) => a.refId === ref)?.uri ?? 'file:///missing');

describe('switchyard dispatch with the built-in agents', () => {
  it('with no model and the example mcp.json: research and reasoning report their inputs and say so, the MCP tool records the rest', async () => {
    const { code, err, cwd, result } = await dispatchHere('--mcp', 'examples/specs/mcp.json');
    expect({ code, err: code === 0 ? '' : err }).toEqual({ code: 0, err: '' });
    expect(agentOf(result)).toEqual({
      task_1: 'researcher',
      task_2: 'reasoning_agent',
      ...Object.fromEntries([3, 4, 5, 6, 7, 8, 9, 10, 11].map((n) => [`task_${n}`, 'execution_agent'])),
      task_12: 'reasoning_agent',
      task_13: 'reasoning_agent',
    });
    const workspace = join(cwd, '.switchyard', 'workspace');
    const orders = readdirSync(workspace).sort();
    expect(orders).toHaveLength(9);
    const order3 = readFileSync(join(workspace, `${result?.runId}.task_3.md`), 'utf8');
    expect(order3).toContain('# Work order: task_3 (CAP-CODE-TYPESCRIPT)');
    expect(order3).toContain(result?.tasks[2].action);
    const final = artifact(result, 'derived_9');
    expect(final).toContain('No language model is configured');
    expect(final).toContain(`Successfully wrote to ${result?.runId}.task_11.md`);
    expect(result?.metrics.tokens.total_tokens).toBe(0);
    expect(filesystemChildren()).toEqual([]);
  });

  it('with no model and no MCP tool: the code writer refuses its tasks (it writes no placeholder), the tests after them are skipped, exit 3', async () => {
    const { code, result } = await dispatchHere();
    expect(code).toBe(3);
    expect(result?.status).toBe('partial');
    const byId = new Map(result?.tasks.map((t) => [t.taskId, t]));
    expect(byId.get('task_1')?.status).toBe('complete');
    expect(byId.get('task_3')).toMatchObject({ agent: 'code_writer', status: 'failed' });
    const failure = result?.failures.find((f) => f.taskId === 'task_3');
    expect(failure?.code).toBe('CAPABILITY_NOT_AVAILABLE');
    expect(failure?.message).toContain('needs a language model');
    expect(byId.get('task_6')?.status).toBe('skipped');
  });

  it('with --llm: the code writer writes a real project, the tester runs its node --test suite, the reasoning agent reports', async () => {
    const read = readSpecification(readFileSync(SPEC, 'utf8'));
    if (!read.ok) throw read.error;
    const usage = { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 };
    const answerFor = (body: { messages: Array<{ role: string; content: string }> }): ScriptEntry => {
      const system = body.messages[0]?.content ?? '';
      const task = /## Task (task_\d+)/u.exec(body.messages.at(-1)?.content ?? '')?.[1] ?? 'none';
      if (system.startsWith('You are the code writer'))
        return { content: JSON.stringify({ files: TODO_CLI_FILES[task] ?? [] }), usage };
      if (system.startsWith('You are the researcher') || system.startsWith('You are the reasoning agent'))
        return { content: `## Notes for ${task}\n\nScripted by the test double.`, usage };
      return { content: JSON.stringify(patternDrafts(read.value)), usage }; // the planning request
    };
    const d = await startOpenAiTestDouble([], { answerFor });
    doubles.push(d);
    const { code, err, cwd, result } = await dispatchHere(
      '--llm',
      d.baseURL,
      '--model',
      'double-model',
      '--language',
      'javascript',
    );
    expect({ code, err: code === 0 ? '' : err }).toEqual({ code: 0, err: '' });
    expect(agentOf(result)).toMatchObject({
      task_3: 'code_writer',
      task_6: 'tester',
      task_8: 'tester',
      task_11: 'code_writer',
    });
    const project = join(cwd, '.switchyard', 'workspace', result?.runId ?? '');
    expect(existsSync(join(project, 'src', 'store.mjs'))).toBe(true);
    // task_8 (integration) runs after every code task and both unit test tasks: the whole suite is there.
    const integration = JSON.parse(artifact(result, 'derived_5')) as { passed: number; failed: number; cwd: string };
    expect(integration).toMatchObject({ passed: 5, failed: 0, cwd: realpathSync(project) });
    expect(artifact(result, 'derived_9')).toContain('## Notes for task_13');
    expect(result?.metrics.byAgent.code_writer.tokens.total_tokens).toBe(4 * 150);
    expect(result?.metrics.byAgent.tester.tokens.total_tokens).toBe(0);
    const systems = d.requests.map((r) => r.body?.messages[0]?.content.slice(0, 30));
    expect(systems.filter((s) => s?.startsWith('You are the code writer'))).toHaveLength(4);
  });

  it('refuses built-in agent flags beside --agents, and an unknown test runner, with USAGE_ERROR', async () => {
    const agents = fileURLToPath(new URL('../fixtures/agents/usage-agents.mjs', import.meta.url));
    for (const args of [
      ['--agents', agents, '--language', 'python'],
      ['--test-runner', 'mocha'],
      ['--language', 'no spaces allowed'],
    ]) {
      const r = await dispatchHere(...args);
      expect({ args, code: r.code, err: r.err.split('\n')[0] }).toEqual({
        args,
        code: 2,
        err: expect.stringMatching(/switchyard: (USAGE_ERROR|INVALID_INPUT): /u),
      });
    }
    writeFileSync(join(dir, 'bad.mcp.json'), '{"servers": {}}');
    expect((await dispatchHere('--mcp', join(dir, 'bad.mcp.json'))).err).toContain('INVALID_INPUT');
  });
});
