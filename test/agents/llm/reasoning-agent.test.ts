import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createReasoningAgent } from '../../../src/agents/llm/reasoning-agent.js';
import { AgentError } from '../../../src/pool/agent.js';
import type { Dispatch } from '../../../src/protocol/dispatch-output.js';
import { artifactContextDouble } from '../../helpers/artifact-storage-double.js';
import { type OpenAiTestDouble, startOpenAiTestDouble, type ScriptEntry } from '../../helpers/openai-test-double.js';
import { agentFailure } from '../../helpers/errors.js';

let double: OpenAiTestDouble | undefined;
let dir = '';
afterEach(async () => {
  await double?.close();
  double = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

const USAGE = { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 };
const NO_RETRY = { 'x-should-retry': 'false' };

/** Input files in a temporary directory, as resolved refs. */
function inputs(files: Record<string, string | Uint8Array>): Dispatch['input_refs_resolved'] {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-llm-'));
  return Object.entries(files).map(([ref, data]) => {
    writeFileSync(join(dir, `${ref}.in`), data);
    return { ref_id: ref, storage_uri: pathToFileURL(join(dir, `${ref}.in`)).href, status: 'created' as const };
  });
}

function dispatch(over: Partial<Dispatch> & Record<string, unknown> = {}): Dispatch {
  return {
    task_id: 'task_12',
    action: 'Fuse the modalities into one summary',
    capability_ids: ['CAP-SYN-001'],
    input_refs_resolved: [],
    output_refs_expected: ['derived_9'],
    execution_group: 4,
    attempt: 1,
    workflow_progress: { total_tasks: 12, completed: 10, in_progress: 1, pending: 0, failed: 1 },
    ...over,
  };
}

async function agentAgainst(script: ScriptEntry[], options: Record<string, unknown> = {}) {
  double = await startOpenAiTestDouble(script);
  return createReasoningAgent({ llm: { baseURL: double.baseURL, model: 'double-model' }, ...options }, {});
}

const userPrompt = (d: OpenAiTestDouble, i = 0) =>
  d.requests[i]?.body?.messages.find((m) => m.role === 'user')?.content ?? '';

describe('the reasoning agent against the OpenAI-protocol test double', () => {
  it('puts the action, the inputs and the partial-input notes into the prompt, writes the answer and reports usage', async () => {
    const agent = await agentAgainst([{ content: '# Summary\nVisual only.', usage: USAGE }]);
    const d = dispatch({
      input_refs_resolved: inputs({ derived_7: 'the visual modality says: a red car' }),
      compliance_notes: [
        'CAP-SYN-001 proceeding with reduced input (derived_7 only); derived_8 unavailable due to task_5 failure.',
      ],
    });
    const ctx = artifactContextDouble(join(dir, 'out'), d);
    const output = await agent.handle(d, ctx);
    const prompt = userPrompt(double!);
    expect(prompt).toContain('Fuse the modalities into one summary');
    expect(prompt).toContain('the visual modality says: a red car');
    expect(prompt).toContain('## Partial input');
    expect(prompt).toContain('derived_8 unavailable due to task_5 failure');
    expect(double!.requests[0].body?.messages[0]).toMatchObject({ role: 'system' });
    expect(ctx.written.get('derived_9')).toEqual({ data: '# Summary\nVisual only.', assetType: 'text/markdown' });
    expect(output.usage).toEqual({ ...USAGE, model: 'double-model' });
    expect(output.summary).toBe('double-model: # Summary');
  });

  it('cuts each input and all inputs to their limits, says so in the prompt, and describes binary inputs without inlining them', async () => {
    const agent = await agentAgainst([{ content: 'ok' }], { maxInputChars: 10, maxPromptInputChars: 15 });
    const d = dispatch({
      input_refs_resolved: inputs({
        derived_1: 'A'.repeat(40),
        derived_2: 'B'.repeat(40),
        derived_3: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2]),
      }),
      compliance_notes: undefined,
    });
    await agent.handle(d, artifactContextDouble(join(dir, 'out'), d));
    const prompt = userPrompt(double!);
    expect(prompt).toContain(`${'A'.repeat(10)}\n`);
    expect(prompt).not.toContain('A'.repeat(11));
    expect(prompt).toContain(`${'B'.repeat(5)}\n`);
    expect(prompt).not.toContain('B'.repeat(6));
    expect(prompt).toContain('[Truncated: 10 of 40 characters shown');
    expect(prompt).toContain('Some inputs were truncated (derived_1, derived_2)');
    expect(prompt).toContain('Binary content, 7 bytes: described, not shown.');
    expect(prompt).not.toContain('## Partial input');
  });

  it('fails recoverably on a server error, and not on a refusal or a refused key', async () => {
    const agent = await agentAgainst([
      { status: 500, error: { message: 'out of memory' }, headers: NO_RETRY },
      { refusal: 'I cannot help with that.' },
      { status: 401, error: { message: 'bad key' }, headers: NO_RETRY },
    ]);
    const d = dispatch();
    const ctx = () => artifactContextDouble(join(tmpdir(), 'unused'), d);
    const server = await agentFailure(Promise.resolve(agent.handle(d, ctx())));
    expect([server.code, server.recoverable]).toEqual(['LLM_FAILED', true]);
    const refused = await agentFailure(Promise.resolve(agent.handle(d, ctx())));
    expect([refused.code, refused.recoverable]).toEqual(['LLM_REFUSED', false]);
    const key = await agentFailure(Promise.resolve(agent.handle(d, ctx())));
    expect([key.code, key.recoverable]).toEqual(['LLM_FAILED', false]);
  });

  it('maps a request past its timeout to a recoverable REQUEST_TIMEOUT', async () => {
    // The client tries three times (maxRetries 2), each past the 200 ms timeout.
    double = await startOpenAiTestDouble([{ hang: true }, { hang: true }, { hang: true }]);
    const agent = createReasoningAgent(
      { llm: { baseURL: double.baseURL, model: 'm', timeoutMs: 200 } },
      { OPENAI_API_KEY: '' },
    );
    const error = await agentFailure(
      Promise.resolve(agent.handle(dispatch(), artifactContextDouble(join(tmpdir(), 'unused'), dispatch()))),
    );
    expect([error.code, error.recoverable]).toEqual(['REQUEST_TIMEOUT', true]);
  }, 20_000);

  it('with no model configured, writes a report of its inputs that says it is not a synthesis', async () => {
    const agent = createReasoningAgent({}, {});
    const d = dispatch({ input_refs_resolved: inputs({ derived_7: 'visual notes' }) });
    const ctx = artifactContextDouble(join(dir, 'out'), d);
    const output = await agent.handle(d, ctx);
    const report = String(ctx.written.get('derived_9')?.data);
    expect(report).toContain('No language model is configured');
    expect(report).toContain('without synthesis');
    expect(report).toContain('visual notes');
    expect(output.summary).toMatch(/^No language model is configured/u);
    expect(output.usage).toBeUndefined();
  });

  it('sends the key from the variable apiKeyEnv names', async () => {
    double = await startOpenAiTestDouble([{ content: 'ok' }]);
    const agent = createReasoningAgent(
      { llm: { baseURL: double.baseURL, model: 'm', apiKeyEnv: 'MY_LLM_KEY' } },
      { MY_LLM_KEY: 'sk-from-env' },
    );
    await agent.handle(dispatch(), artifactContextDouble(join(tmpdir(), 'unused'), dispatch()));
    expect(double.requests[0].authorization).toBe('Bearer sk-from-env');
  });

  it('leaves an abort through ctx.signal as it is (not an AgentError), so the runtime reports ABORTED', async () => {
    double = await startOpenAiTestDouble([{ hang: true }]);
    const agent = createReasoningAgent({ llm: { baseURL: double.baseURL, model: 'm' } }, {});
    const controller = new AbortController();
    const pending = Promise.resolve(
      agent.handle(
        dispatch(),
        artifactContextDouble(join(tmpdir(), 'unused'), dispatch(), { signal: controller.signal }),
      ),
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    // Abort once the request has reached the server: an event, not a sleep.
    await expect.poll(() => double?.requests.length).toBe(1);
    controller.abort(new Error('cancelled by the test'));
    const error = await pending;
    expect(error).not.toBeInstanceOf(AgentError);
    expect(error).toEqual(new Error('cancelled by the test'));
  });

  it('refuses an apiKeyEnv that is not set, when it is built', () => {
    expect(() =>
      createReasoningAgent({ llm: { baseURL: 'http://127.0.0.1:1/v1', model: 'm', apiKeyEnv: 'NO_SUCH_KEY_VAR' } }, {}),
    ).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});
