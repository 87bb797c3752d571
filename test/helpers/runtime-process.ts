import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { spawnChild } from './children.js';

const BIN = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));

/** A `switchyard runtime` child process. */
export interface RuntimeProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Its runtime ids, as it announced them. */
  readonly runtimeIds: string[];
  /** What it printed on stderr so far. */
  stderr(): string;
  /** Resolves with its exit code once it has exited. */
  exited(): Promise<number | null>;
}

/**
 * Starts `switchyard runtime --nats <url> …` (the built CLI) and resolves once its runtimes
 * registered. Extra environment (e.g. SLOW_AGENT_DELAY_MS) goes to its handlers. The process
 * is killed by `killChildren` (from `./children.js`: call it in `afterEach`), and with the
 * test process at the latest.
 */
export async function startRuntimeProcess(
  url: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<RuntimeProcess> {
  if (!existsSync(BIN))
    throw new Error(`${BIN} is missing: these tests run the built CLI (npm run build; npm test builds first).`);
  const child = spawnChild(process.execPath, [BIN, 'runtime', '--nats', url, '--log-level', 'warn', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const runtimeIds = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`switchyard runtime did not register within 60 s:\n${err}`));
    }, 60_000);
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /runtimes? registered \(([^)]*)\)/u.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve(m[1].split(', '));
      }
    });
    void exit.then((code) => reject(new Error(`switchyard runtime exited (${code}) before registering:\n${err}`)));
  });
  return { child, pid: child.pid as number, runtimeIds, stderr: () => err, exited: () => exit };
}
