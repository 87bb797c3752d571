import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { createCodeWriter } from '../../../src/agents/llm/code-writer-agent.js';
import { pathProblem } from '../../../src/agents/llm/workspace-files.js';
import type { Dispatch } from '../../../src/protocol/dispatch-output.js';
import { artifactContextDouble } from '../../helpers/artifact-storage-double.js';
import { type OpenAiTestDouble, startOpenAiTestDouble } from '../../helpers/openai-test-double.js';
import { agentFailure } from '../../helpers/errors.js';

let double: OpenAiTestDouble | undefined;
let dir = '';
afterEach(async () => {
  await double?.close();
  double = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

const dispatch: Dispatch = {
  task_id: 'task_4',
  action: 'Write a slugify function',
  capability_ids: ['CAP-CODE-TYPESCRIPT'],
  input_refs_resolved: [],
  output_refs_expected: ['derived_4'],
  execution_group: 2,
  attempt: 1,
  workflow_progress: { total_tasks: 5, completed: 1, in_progress: 1, pending: 3, failed: 0 },
};

const FILES = {
  files: [
    { path: 'src/slugify.py', content: 'def slugify(s):\n    return s.lower()\n', kind: 'code' },
    { path: 'tests/test_slugify.py', content: 'from src.slugify import slugify\n', kind: 'test' },
    { path: 'README.md', content: '# slugify\n', kind: 'doc' },
  ],
};

async function writerAgainst(answer: unknown) {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-code-'));
  double = await startOpenAiTestDouble([
    { content: JSON.stringify(answer), usage: { prompt_tokens: 50, completion_tokens: 80, total_tokens: 130 } },
  ]);
  const agent = createCodeWriter(
    { llm: { baseURL: double.baseURL, model: 'double-model' }, language: 'python', workspace: join(dir, 'ws') },
    {},
  );
  return { agent, ctx: artifactContextDouble(join(dir, 'out'), dispatch) };
}

describe('the code writer against the OpenAI-protocol test double', () => {
  it('writes the files of the model’s answer into the run’s workspace and a manifest as its output', async () => {
    const { agent, ctx } = await writerAgainst(FILES);
    const output = await agent.handle(dispatch, ctx);
    const runDir = join(dir, 'ws', 'wf-test');
    expect(readFileSync(join(runDir, 'src', 'slugify.py'), 'utf8')).toBe(FILES.files[0].content);
    expect(readFileSync(join(runDir, 'tests', 'test_slugify.py'), 'utf8')).toBe(FILES.files[1].content);
    const manifest = JSON.parse(String(ctx.written.get('derived_4')?.data)) as {
      language: string;
      files: Array<{ path: string; kind: string; bytes: number; uri: string }>;
    };
    expect(ctx.written.get('derived_4')?.assetType).toBe('application/json');
    expect(manifest.language).toBe('python');
    expect(manifest.files.map((f) => [f.path, f.kind])).toEqual([
      ['src/slugify.py', 'code'],
      ['tests/test_slugify.py', 'test'],
      ['README.md', 'doc'],
    ]);
    expect(readFileSync(fileURLToPath(manifest.files[2].uri), 'utf8')).toBe('# slugify\n');
    expect(output.usage).toEqual({
      prompt_tokens: 50,
      completion_tokens: 80,
      total_tokens: 130,
      model: 'double-model',
    });
    const prompt = double!.requests[0].body?.messages.map((m) => m.content).join('\n') ?? '';
    expect(prompt).toContain('Write it in python, with tests (kind "test") and documentation (kind "doc")');
    expect(double!.requests[0].body?.response_format?.type).toBe('json_schema');
  });

  it('refuses an answer with a ../ path, writing nothing', async () => {
    const { agent, ctx } = await writerAgainst({
      files: [
        { path: 'src/ok.py', content: 'x = 1\n', kind: 'code' },
        { path: '../escape.py', content: 'import os\n', kind: 'code' },
      ],
    });
    const error = await agentFailure(Promise.resolve(agent.handle(dispatch, ctx)));
    expect([error.code, error.recoverable]).toEqual(['UNSAFE_PATH', false]);
    expect(existsSync(join(dir, 'escape.py'))).toBe(false);
    expect(existsSync(join(dir, 'ws')) ? readdirSync(join(dir, 'ws')) : []).toEqual([]);
    expect(ctx.written.size).toBe(0);
  });

  it('fails recoverably on an answer that is not the asked-for JSON', async () => {
    const { agent, ctx } = await writerAgainst({ files: [{ path: 'a.py' }] });
    const error = await agentFailure(Promise.resolve(agent.handle(dispatch, ctx)));
    expect([error.code, error.recoverable]).toEqual(['LLM_BAD_ANSWER', true]);
  });

  it('with no model configured, fails the task as CAPABILITY_NOT_AVAILABLE without writing anything', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-code-'));
    const agent = createCodeWriter({ workspace: join(dir, 'ws') }, {});
    const ctx = artifactContextDouble(join(dir, 'out'), dispatch);
    const error = await agentFailure(Promise.resolve(agent.handle(dispatch, ctx)));
    expect([error.code, error.recoverable]).toEqual(['CAPABILITY_NOT_AVAILABLE', false]);
    expect(existsSync(join(dir, 'ws'))).toBe(false);
    expect(ctx.written.size).toBe(0);
  });

  it('accepts only relative paths that stay inside the workspace (property)', () => {
    const segment = fc.constantFrom('src', 'a.ts', '..', '.', '', 'b', 'C:', 'x\\y');
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 5 }), fc.boolean(), (segments, absolute) => {
        const path = `${absolute ? '/' : ''}${segments.join('/')}`;
        const ok = pathProblem(path) === undefined;
        const escapes = absolute || segments.some((s) => ['..', '.', '', 'C:', 'x\\y'].includes(s));
        // 'C:' is refused only as a leading drive letter; elsewhere it is a plain name.
        const driveOnlyInside = !absolute && segments[0] !== 'C:' && segments.includes('C:');
        if (!driveOnlyInside) expect(ok).toBe(!escapes);
        if (ok) expect(path.split('/')).not.toContain('..');
      }),
    );
  });
});
