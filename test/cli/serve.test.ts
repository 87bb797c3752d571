import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killChildren, spawnChild } from '../helpers/children.js';

/* `switchyard serve` as a user starts it: the built CLI in a child process, over real HTTP. */

const BIN = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));
const AGENTS = fileURLToPath(new URL('../../examples/video-analysis/agents.mjs', import.meta.url));
const PLAN = JSON.parse(readFileSync(new URL('../../examples/video-analysis/plan.json', import.meta.url), 'utf8'));
const dir = mkdtempSync(join(tmpdir(), 'switchyard-serve-'));
const env = { ...process.env, SWITCHYARD_STORAGE: join(dir, 'storage') };

afterEach(killChildren);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `switchyard serve …` and resolves with its URL once it listens. */
async function serve(...args: string[]) {
  const child = spawnChild(process.execPath, [BIN, 'serve', '--port', '0', ...args], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/u.exec(err);
      if (m) resolve(m[1]);
    });
    void exited.then((code) => reject(new Error(`switchyard serve exited (${code}) before listening:\n${err}`)));
  });
  return { child, url, exited, stderr: () => err };
}

/** Reads a run's event stream to its end; the `end` event's data. */
async function endOf(url: string): Promise<{ status: string }> {
  const text = await (await fetch(url)).text();
  const end = text.split('\n\n').find((block) => block.startsWith('event: end'));
  return JSON.parse(
    end
      ?.split('\n')
      .find((l) => l.startsWith('data: '))
      ?.slice(6) ?? '{}',
  );
}

describe('switchyard serve', () => {
  it('serves the runs API on a SQLite file until SIGTERM, then stops cleanly', async () => {
    const db = join(dir, 'runs.db');
    const s = await serve('--db', db, '--agents', AGENTS);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/u);
    const created = await fetch(`${s.url}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ plan: PLAN, run_id: 'served-1' }),
    });
    expect(created.status).toBe(201);
    expect(await endOf(`${s.url}/runs/served-1/events`)).toMatchObject({ status: 'complete' });
    expect(await (await fetch(`${s.url}/metrics`)).text()).toMatch(/^switchyard_runs\{status="complete"\} 1$/mu);
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    expect(s.stderr()).toContain('SIGTERM received, stopping');
    // The run is in the file, for `switchyard runs` and the next `serve`.
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'runs', '--db', db, '--json'], { env });
    expect(JSON.parse(stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ run_id: 'served-1', status: 'complete' })]),
    );
  });

  it('with --token refuses requests without it', async () => {
    const token = 'serve-test-token-0123456789';
    const s = await serve('--db', join(dir, 'token.db'), '--agents', AGENTS, '--token', token);
    expect(s.stderr()).toContain('bearer token required');
    expect((await fetch(`${s.url}/runs`)).status).toBe(401);
    expect((await fetch(`${s.url}/runs`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it('refuses bad flags with a usage error and exit 2, before listening', async () => {
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, [BIN, 'serve', ...args], { env }).then(
        () => ({ code: 0, err: '' }),
        (e: { code: number; stderr: string }) => ({ code: e.code, err: e.stderr }),
      );
    for (const args of [['--port', '70000'], ['--token', 'short'], ['--threads', 'x'], ['extra']]) {
      const r = await run('--db', join(dir, 'bad.db'), '--agents', AGENTS, ...args);
      expect({ args, code: r.code, err: r.err }).toEqual({
        args,
        code: 2,
        err: expect.stringContaining('USAGE_ERROR'),
      });
    }
  });
});
