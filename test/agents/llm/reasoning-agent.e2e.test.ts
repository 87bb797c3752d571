import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { reasoningAgent } from '../../../src/agents.js';
import { type AgentExecutionResult, createRuntime, fileStorage, type Runtime } from '../../../src/index.js';
import { ARTIFACT_AGENTS } from '../../helpers/artifact-plan.js';
import { type OpenAiTestDouble, startOpenAiTestDouble } from '../../helpers/openai-test-double.js';

let rt: Runtime | undefined;
let double: OpenAiTestDouble | undefined;
let dir = '';
afterEach(async () => {
  await rt?.close({ cancel: true });
  rt = undefined;
  await double?.close();
  double = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = '';
});

/** task_1 copies the source into store_1; task_2 fails for good; task_3 fuses both on partial input. */
function fusionPlan(source: string) {
  const task = (id: string, action: string, caps: string[], deps: string[], ins: string[], outs: string[]) => ({
    id,
    action,
    capability_ids: caps,
    depends_on: deps,
    input_refs: ins,
    output_refs: outs,
  });
  return {
    tasks: [
      task('task_1', 'copy the transcript', ['CAP-ACQ-001'], [], ['src_1'], ['store_1']),
      task('task_2', 'read the audio [read-unknown]', ['CAP-AUD-001'], [], ['src_1'], ['store_2']),
      task(
        'task_3',
        'Fuse transcript and audio',
        ['CAP-SYN-001'],
        ['task_1', 'task_2'],
        ['store_1', 'store_2'],
        ['derived_1'],
      ),
    ],
    resources: {
      source_refs: [{ ref_id: 'src_1', storage_uri: source, asset_type: 'text' }],
      storage_refs: [
        { ref_id: 'store_1', storage_uri: null, status: 'pending' },
        { ref_id: 'store_2', storage_uri: null, status: 'pending' },
      ],
      derived_refs: [{ ref_id: 'derived_1', storage_uri: null, status: 'pending' }],
    },
  };
}

describe('the reasoning agent in a runtime, on real worker threads', () => {
  it('fuses on partial input with the missing input named in its prompt, writes derived_1 and reports usage on the result event', async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchyard-reasoning-'));
    await writeFile(join(dir, 'transcript.txt'), 'hello from the transcript');
    double = await startOpenAiTestDouble([
      { content: '# Fused\nTranscript only.', usage: { prompt_tokens: 200, completion_tokens: 20, total_tokens: 220 } },
    ]);
    rt = await createRuntime({
      agents: [
        ARTIFACT_AGENTS,
        { module: reasoningAgent, options: { llm: { baseURL: double.baseURL, model: 'double-model' } } },
      ],
      pool: { maxThreads: 2 },
      logger: pino({ level: 'silent' }),
      artifacts: fileStorage({ root: join(dir, 'artifacts') }),
    });
    const run = rt.submit(fusionPlan(pathToFileURL(join(dir, 'transcript.txt')).href), { runId: 'run-fuse' });
    const results: Record<string, AgentExecutionResult> = {};
    run.on('result', (r) => (results[r.task_id] = r));
    const result = await run.result;

    expect(result.status).toBe('partial');
    expect(result.task_results.task_2.status).toBe('failed');
    expect(result.task_results.task_3.status).toBe('complete');
    const prompt = double.requests[0].body?.messages.find((m) => m.role === 'user')?.content ?? '';
    expect(prompt).toContain('## Partial input');
    expect(prompt).toMatch(/store_2 unavailable due to task_2 failure/u);
    expect(prompt).toContain('hello from the transcript');
    const outcome = results.task_3.outcome;
    expect(outcome.status).toBe('complete');
    // Usage travels beside the outcome, on the result itself.
    expect(results.task_3.usage).toEqual({
      prompt_tokens: 200,
      completion_tokens: 20,
      total_tokens: 220,
      model: 'double-model',
    });
    const uri = result.derived_refs_final.find((r) => r.ref_id === 'derived_1')?.storage_uri;
    expect(uri).toBeTruthy();
    expect(await readFile(fileURLToPath(uri!), 'utf8')).toBe('# Fused\nTranscript only.');
  }, 60_000);
});
