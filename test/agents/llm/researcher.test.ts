import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createResearcher } from '../../../src/agents/llm/researcher-agent.js';
import type { Dispatch } from '../../../src/protocol/dispatch-output.js';
import { artifactContextDouble } from '../../helpers/artifact-storage-double.js';
import { EVERYTHING, killAll } from '../../helpers/mcp-servers.js';
import { type OpenAiTestDouble, startOpenAiTestDouble } from '../../helpers/openai-test-double.js';

type Researcher = ReturnType<typeof createResearcher>;
let double: OpenAiTestDouble | undefined;
let researcher: Researcher | undefined;
let dir = '';
afterEach(async () => {
  await researcher?.close?.();
  if (researcher) killAll(researcher.connections.spawned);
  researcher = undefined;
  await double?.close();
  double = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

const dispatch: Dispatch = {
  task_id: 'task_1',
  action: 'Research slug libraries for Node',
  capability_ids: ['CAP-RES-GENERAL'],
  input_refs_resolved: [],
  output_refs_expected: ['derived_1'],
  execution_group: 1,
  attempt: 1,
  workflow_progress: { total_tasks: 3, completed: 0, in_progress: 1, pending: 2, failed: 0 },
};

const usage = (n: number) => ({ prompt_tokens: n, completion_tokens: 10, total_tokens: n + 10 });

/** A researcher on the test double's model that may call server-everything's real `echo` tool. */
const echoResearcher = (baseURL: string) =>
  createResearcher(
    {
      llm: { baseURL, model: 'double-model' },
      mcp: { servers: { everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] } } },
      tools: [{ server: 'everything', tool: 'echo' }],
    },
    undefined,
    {},
  );
describe('the researcher against the OpenAI-protocol test double and a real MCP server', () => {
  it('calls the tool the model asks for on server-everything, puts its result into the notes prompt, and refuses a tool it may not call', async () => {
    const plan = {
      tool_calls: [
        { server: 'everything', tool: 'echo', arguments: { message: 'slugify vs limax' } },
        { server: 'everything', tool: 'get-env', arguments: {} },
      ],
    };
    double = await startOpenAiTestDouble([
      { content: JSON.stringify(plan), usage: usage(100) },
      { content: '# Notes\nslugify is smaller.', usage: usage(300) },
    ]);
    researcher = echoResearcher(double.baseURL);
    dir = mkdtempSync(join(tmpdir(), 'switchyard-research-'));
    const ctx = artifactContextDouble(dir, dispatch);
    const output = await researcher.handle(dispatch, ctx);

    const first = double.requests[0].body?.messages.map((m) => m.content).join('\n') ?? '';
    expect(first).toContain('tool `echo`');
    expect(first).toContain('"message"'); // the tool's argument schema, as the server lists it
    const second = double.requests[1].body?.messages.find((m) => m.role === 'user')?.content ?? '';
    expect(second).toContain('Research slug libraries for Node');
    expect(second).toContain('Echo: slugify vs limax');
    expect(second).toContain('Refused: this tool is not among those the researcher may call.');
    expect(ctx.written.get('derived_1')?.data).toBe('# Notes\nslugify is smaller.');
    expect(output.usage).toEqual({
      prompt_tokens: 400,
      completion_tokens: 20,
      total_tokens: 420,
      model: 'double-model',
    });
    expect(researcher.connections.spawned).toHaveLength(1);
  }, 30_000);

  it('fails recoverably when the model’s tool plan is not the asked-for JSON', async () => {
    double = await startOpenAiTestDouble([{ content: '{"tool_calls": "all of them"}' }]);
    researcher = echoResearcher(double.baseURL);
    dir = mkdtempSync(join(tmpdir(), 'switchyard-research-'));
    const error = await Promise.resolve(researcher.handle(dispatch, artifactContextDouble(dir, dispatch))).then(
      () => undefined,
      (e: unknown) => e as { code: string; recoverable: boolean },
    );
    expect([error?.code, error?.recoverable]).toEqual(['LLM_BAD_ANSWER', true]);
  }, 30_000);

  it('refuses a tool on a server its mcp config does not name, when it is built', () => {
    expect(() => createResearcher({ tools: [{ server: 'web', tool: 'fetch' }] }, undefined, {})).toThrow(
      /no server `web`/u,
    );
  });
});
