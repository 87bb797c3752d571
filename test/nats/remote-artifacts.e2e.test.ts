import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/index.js';
import { natsBus } from '../../src/nats.js';
import { ARTIFACT_AGENTS, artifactPlan } from '../helpers/artifact-plan.js';
import { killChildren } from '../helpers/children.js';
import { startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';
import { startRuntimeProcess } from '../helpers/runtime-process.js';

const quiet = pino({ level: 'silent' });

let server: TestNatsServer;
let dir: string;
beforeAll(async () => {
  server = await startNatsServer();
  dir = await mkdtemp(join(tmpdir(), 'switchyard-remote-artifacts-'));
});
afterEach(() => killChildren());
afterAll(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('switchyard runtime --artifacts', () => {
  it('keeps the artifacts its handlers write under the directory it was given, one per run', async () => {
    await writeFile(join(dir, 'source.txt'), 'remote source');
    const root = join(dir, 'remote-artifacts');
    await startRuntimeProcess(server.url, [
      '--agents',
      fileURLToPath(ARTIFACT_AGENTS),
      '--threads',
      '1',
      '--artifacts',
      root,
    ]);
    const bus = await natsBus({ servers: server.url });
    const rt = await createRuntime({ agents: [], pool: { maxThreads: 0 }, bus, logger: quiet });
    try {
      await rt.waitForRuntimes(1);
      const run = rt.submit(artifactPlan(pathToFileURL(join(dir, 'source.txt')).href), { runId: 'remote-1' });
      expect((await run.result).status).toBe('complete');
      const derived = run.state().ref_registry.derived_1.storage_uri;
      expect(derived).toBe(pathToFileURL(join(root, 'remote-1', 'derived_1')).href);
      expect(await readFile(fileURLToPath(derived ?? ''), 'utf8')).toBe(
        'task_2 wrote derived_1 from [store_1=task_1 wrote store_1 from [src_1=remote source]]',
      );
    } finally {
      await rt.close({ cancel: true });
      await bus.close();
    }
  });

  it('refuses an empty --artifacts with INVALID_INPUT (exit 2) before it connects', () => {
    const bin = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));
    const args = [bin, 'runtime', '--nats', server.url, '--agents', fileURLToPath(ARTIFACT_AGENTS), '--artifacts', ''];
    // spawnSync kills the child when the timeout passes.
    const done = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 60_000 });
    expect(done.status, done.stderr).toBe(2);
    expect(done.stderr).toContain('INVALID_INPUT');
  });
});
