import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';

/**
 * How long a child may live: `test` ones are killed by {@link killChildren} (call it in
 * `afterEach`, which vitest runs also after a test that failed or timed out); `file` ones (a
 * server a `beforeAll` starts) are stopped by their own helper. Both are killed when this
 * process exits, however the test run ends.
 */
export type ChildLifetime = 'test' | 'file';

/**
 * Every child of this process, shared by the copies of this module each test file loads (one
 * process may run several files), so the exit handlers below are installed once.
 */
const REGISTRY = Symbol.for('switchyard.test.children');
const shared = globalThis as { [REGISTRY]?: Map<ChildProcess, ChildLifetime> };
const live = shared[REGISTRY] ?? installed();

function installed(): Map<ChildProcess, ChildLifetime> {
  const children = new Map<ChildProcess, ChildLifetime>();
  shared[REGISTRY] = children;
  /** SIGKILLs every child still alive: nothing a test started may outlive the test process. */
  const killAllNow = () => {
    for (const child of children.keys())
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killAllNow);
  // Killed by a signal, a process does not run its 'exit' handlers: kill the children, then die of it.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllNow();
      process.kill(process.pid, signal);
    });
  }
  return children;
}

/**
 * `child_process.spawn`, remembering the child so that it is killed after the test
 * ({@link killChildren}) or, at the latest, when this process exits.
 *
 * @example
 * afterEach(killChildren);
 * const child = spawnChild(process.execPath, [BIN, 'resume', runId], { stdio: ['ignore', 'pipe', 'pipe'] });
 */
export function spawnChild(
  command: string,
  args: readonly string[],
  options: SpawnOptions = {},
  lifetime: ChildLifetime = 'test',
): ChildProcess {
  const child = spawn(command, args, options);
  live.set(child, lifetime);
  child.once('exit', () => live.delete(child));
  // A spawn that failed (ENOENT) emits 'error' and never 'exit'.
  child.once('error', () => live.delete(child));
  return child;
}

/** SIGKILLs the children of lifetime `test` still running and resolves once they are gone. */
export async function killChildren(): Promise<void> {
  const mine = [...live].filter(([, lifetime]) => lifetime === 'test').map(([child]) => child);
  await Promise.all(
    mine.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            live.delete(child);
            resolve();
            return;
          }
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** Children of this process still running (for tests of the helpers themselves). */
export function liveChildren(): number {
  return [...live.keys()].filter((c) => c.exitCode === null && c.signalCode === null).length;
}
