import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, dispatch, ExecutionResultSchema, fileStorage, type Runtime } from '../../src/index.js';

const SPEC = fileURLToPath(new URL('../../examples/specs/todo-cli.md', import.meta.url));
const AGENTS = new URL('../fixtures/agents/usage-agents.mjs', import.meta.url);
const quiet = pino({ level: 'silent' });

let dir: string | undefined;
let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.close({ cancel: true });
  rt = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Awaits `promise` and checks it rejects with a SwitchyardError of `code`. */
async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'SwitchyardError', code });
}

function artifactRoot(): string {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-dispatch-'));
  return dir;
}

describe('dispatch(spec) on real worker threads', () => {
  it('runs todo-cli.md end to end: task_7 fails, its dependents are skipped, the fusion report still runs', async () => {
    const result = await dispatch(readFileSync(SPEC, 'utf8'), {
      agents: [AGENTS],
      artifacts: fileStorage({ root: artifactRoot() }),
      faults: { task_7: { recoverable: false } },
      logger: quiet,
      runId: 'todo-run',
    });
    expect(ExecutionResultSchema.parse(result)).toEqual(result);
    expect(result.status).toBe('partial');
    expect(result.totals).toEqual({ tasks: 13, complete: 8, failed: 1, skipped: 4 });
    expect(result.successRate).toBe(61.5);
    expect(result.failures).toEqual([
      {
        taskId: 'task_7',
        code: 'INJECTED_FAULT',
        message: expect.any(String),
        attempts: 1,
        skipped: ['task_8', 'task_12', 'task_9', 'task_10'],
      },
    ]);
    const byId = Object.fromEntries(result.tasks.map((t) => [t.taskId, t]));
    expect(byId.task_8.status).toBe('skipped');
    expect(byId.task_8.attempts).toEqual([]);
    expect(byId.task_8.summary).toMatch(/task_7/u);
    expect(byId.task_13).toMatchObject({ status: 'complete', agent: 'reasoning_agent' });
    expect(byId.task_7.attempts).toMatchObject([{ attempt: 1, status: 'failed', error: { code: 'INJECTED_FAULT' } }]);
    for (const t of result.tasks.filter((x) => x.status === 'complete')) {
      expect(t.attempts).toHaveLength(1);
      expect(t.attempts[0].endedAt).toBeGreaterThanOrEqual(t.attempts[0].dispatchedAt);
      expect(t.attempts[0].runtimeId).toMatch(/^local-t\d$/u);
    }
    // Every artifact is a real file the task that produced it wrote.
    const store4 = result.finalArtifacts.find((a) => a.refId === 'store_4');
    expect(store4).toMatchObject({ taskId: 'task_11', assetType: 'text/markdown', status: 'stored' });
    expect(readFileSync(fileURLToPath(store4?.uri ?? ''), 'utf8')).toBe('task_11 (execution_agent) wrote store_4');
    expect(result.finalArtifacts.map((a) => a.refId)).not.toContain('derived_4'); // task_7 never wrote it
    expect(result.planning).toMatchObject({ decomposer: 'pattern' });
    expect(result.report).toContain('`task_7` failed with `INJECTED_FAULT` after 1 attempt');
  });

  it('sums tokens per agent type from the usage each result carries', async () => {
    const result = await dispatch(readFileSync(SPEC, 'utf8'), {
      agents: [AGENTS],
      artifacts: fileStorage({ root: artifactRoot() }),
      logger: quiet,
    });
    expect(result.status).toBe('complete');
    const coding = result.tasks.filter((t) => t.agent === 'execution_agent' && /code/iu.test(t.action)).length;
    expect(coding).toBeGreaterThan(0);
    const { execution_agent: exec, reasoning_agent: reasoning } = result.metrics.byAgent;
    expect(reasoning).toMatchObject({
      tasks: 1,
      attempts: 1,
      complete: 1,
      failed: 0,
      tokens: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
      models: ['model-r'],
    });
    expect(exec).toMatchObject({
      tasks: 12,
      attempts: 12,
      complete: 12,
      tokens: { prompt_tokens: 10 * coding, completion_tokens: 5 * coding, total_tokens: 15 * coding },
      models: ['model-e'],
    });
    expect(result.metrics.tokens.total_tokens).toBe(120 + 15 * coding);
    expect(exec.maxDurationMs).toBeGreaterThanOrEqual(exec.meanDurationMs);
  });

  it('runs on a runtime it is given and leaves it open; refuses runtime options beside it', async () => {
    rt = await createRuntime({ agents: [AGENTS], artifacts: fileStorage({ root: artifactRoot() }), logger: quiet });
    const spec = readFileSync(SPEC, 'utf8');
    const seen: string[] = [];
    const first = await dispatch(spec, {
      runtime: rt,
      onRun: (run) => run.on('dispatch', (m) => seen.push(m.output.content.dispatch.task_id)),
    });
    expect(first.status).toBe('complete');
    expect(seen).toHaveLength(13); // onRun sees the run before its first attempt
    expect((await dispatch(spec, { runtime: rt })).status).toBe('complete');
    await expectCode(dispatch(spec, { runtime: rt, maxAttempts: 2 }), 'INVALID_INPUT');
  });

  it('refuses a plan whose tasks no agent serves before running anything, and a bad specification', async () => {
    const only = new URL('../fixtures/agents/artifact-agents.mjs', import.meta.url); // execution_agent only
    await expectCode(
      dispatch(readFileSync(SPEC, 'utf8'), {
        agents: [only],
        artifacts: fileStorage({ root: artifactRoot() }),
        logger: quiet,
      }),
      'CAPABILITY_NOT_AVAILABLE',
    );
    await expectCode(dispatch('no title here', { agents: [AGENTS], logger: quiet }), 'INVALID_INPUT');
    await expectCode(dispatch(readFileSync(SPEC, 'utf8'), { agents: [AGENTS], runId: 7 as never }), 'INVALID_INPUT');
    await expectCode(dispatch(readFileSync(SPEC, 'utf8'), { agents: [AGENTS], onRun: 'x' as never }), 'INVALID_INPUT');
  });
});
