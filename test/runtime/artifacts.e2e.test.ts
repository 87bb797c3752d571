import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, fileStorage, memoryStorage, type Runtime } from '../../src/index.js';
import { ARTIFACT_AGENTS, artifactPlan as plan } from '../helpers/artifact-plan.js';

const quiet = pino({ level: 'silent' });

describe('artifacts through createRuntime on real worker threads', () => {
  let dir: string;
  let source: string;
  let rt: Runtime;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'switchyard-artifacts-'));
    await writeFile(join(dir, 'source.txt'), 'the source text');
    source = pathToFileURL(join(dir, 'source.txt')).href;
    rt = await createRuntime({
      agents: [ARTIFACT_AGENTS],
      pool: { maxThreads: 2 },
      taskTimeoutMs: 60_000,
      logger: quiet,
      artifacts: fileStorage({ root: join(dir, 'artifacts') }),
    });
  });
  afterAll(async () => {
    await rt?.close({ cancel: true });
    await rm(dir, { recursive: true, force: true });
  });

  it('task_2 reads what task_1 wrote with ctx.write, and the result carries the storage URIs', async () => {
    const run = rt.submit(plan(source), { runId: 'run-ok' });
    const result = await run.result;
    expect(result.status).toBe('complete');
    const store1 = pathToFileURL(join(dir, 'artifacts', 'run-ok', 'store_1')).href;
    const derived1 = pathToFileURL(join(dir, 'artifacts', 'run-ok', 'derived_1')).href;
    expect(run.state().ref_registry.store_1).toMatchObject({ storage_uri: store1, status: 'stored' });
    expect(run.state().ref_registry.derived_1).toMatchObject({ storage_uri: derived1, status: 'created' });
    expect(JSON.stringify(result)).toContain(derived1);
    expect(await readFile(fileURLToPath(derived1), 'utf8')).toBe(
      'task_2 wrote derived_1 from [store_1=task_1 wrote store_1 from [src_1=the source text]]',
    );
    expect((await readdir(join(dir, 'artifacts', 'run-ok'))).sort()).toEqual(['derived_1', 'store_1']);
    expect([...(await fileStorage({ root: join(dir, 'artifacts') }).list('run-ok')).keys()]).toEqual([
      'derived_1',
      'store_1',
    ]);
  });

  it.each([
    ['[read-unknown]', 'VALIDATION_ERROR'],
    ['[write-unknown]', 'VALIDATION_ERROR'],
    ['[write-escape]', 'VALIDATION_ERROR'],
  ])('fails the task at once, not retried, when its handler does %s (%s)', async (marker, code) => {
    const runId = `run-${marker.slice(1, -1)}`;
    const run = rt.submit(plan(source, marker), { runId });
    const result = await run.result;
    expect(result.status).toBe('partial');
    const failures = run.state().failure_log.filter((f) => f.task_id === 'task_2');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ error_code: code });
    expect((await readdir(join(dir, 'artifacts', runId))).sort()).toEqual(['store_1']);
    await expect(readdir(join(dir, 'artifacts', 'escape'))).rejects.toThrow();
  });

  it('fails a task whose source has nothing behind it with ARTIFACT_NOT_FOUND, not retried', async () => {
    const run = rt.submit(plan(pathToFileURL(join(dir, 'no-such-source.txt')).href), { runId: 'run-missing' });
    const result = await run.result;
    expect(result.status).toBe('partial');
    expect(run.state().failure_log.filter((f) => f.task_id === 'task_1')).toEqual([
      expect.objectContaining({ error_code: 'ARTIFACT_NOT_FOUND' }),
    ]);
    expect(run.state().task_states.task_2.status).toBe('skipped');
  });

  it('lets a handler catch the coded error: a source of another scheme reads as ARTIFACT_INACCESSIBLE, not recoverable', async () => {
    const run = rt.submit(plan('https://example.com/a.txt', '', '[catch-missing]'), { runId: 'run-https' });
    expect((await run.result).status).toBe('complete');
    expect(await readFile(join(dir, 'artifacts', 'run-https', 'store_1'), 'utf8')).toBe(
      'task_1 wrote store_1 from [src_1!ARTIFACT_INACCESSIBLE:false]',
    );
  });
});

describe('createRuntime artifacts option', () => {
  it('refuses a memory storage when it has worker threads (UNSUPPORTED), and anything not a storage (INVALID_INPUT)', async () => {
    await expect(
      createRuntime({ agents: [ARTIFACT_AGENTS], logger: quiet, artifacts: memoryStorage() }),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    await expect(
      createRuntime({ agents: [ARTIFACT_AGENTS], logger: quiet, artifacts: { root: '/tmp' } as never }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('takes a memory storage for a coordinator without threads of its own', async () => {
    const rt = await createRuntime({ agents: [], pool: { maxThreads: 0 }, logger: quiet, artifacts: memoryStorage() });
    await rt.close();
  });
});
