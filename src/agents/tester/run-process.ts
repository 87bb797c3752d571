import { spawn } from 'node:child_process';

/** How a test process ended. */
export type ProcessEnd =
  | { readonly kind: 'exited'; readonly code: number | null; readonly signal: NodeJS.Signals | null }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'not-started'; readonly error: NodeJS.ErrnoException };

export interface ProcessRun {
  readonly end: ProcessEnd;
  /** stdout and stderr interleaved as they came, at most `maxOutputBytes` (the start is dropped). */
  readonly output: string;
  readonly pid: number | undefined;
}

export interface ProcessSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  readonly maxOutputBytes: number;
  /** Told the child's pid once it runs (tests check the process is gone). */
  readonly onStart?: (pid: number) => void;
}

/** Kills every process of the group `pid` leads; nothing when the group is already gone. */
export function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: no process left in the group.
  }
}

/**
 * Runs a command in a process group of its own (`detached`), so that the runner and everything
 * it starts (node --test's per-file children, pytest plugins' servers) can be killed together:
 * on timeout, on abort, and when the leader exits while some of its children still run. The
 * timer is `AbortSignal.timeout` (this code runs in a worker thread).
 */
export function runProcess(spec: ProcessSpec): Promise<ProcessRun> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const keep = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      while (size > spec.maxOutputBytes && chunks.length > 1) size -= (chunks.shift() as Buffer).length;
    };
    const timeout = AbortSignal.timeout(spec.timeoutMs);
    const child = spawn(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stopped: 'timeout' | 'aborted' | undefined;
    const stop = (why: 'timeout' | 'aborted') => {
      stopped ??= why;
      if (child.pid !== undefined) killGroup(child.pid);
    };
    const onTimeout = () => stop('timeout');
    const onAbort = () => stop('aborted');
    timeout.addEventListener('abort', onTimeout, { once: true });
    spec.signal.addEventListener('abort', onAbort, { once: true });
    if (spec.signal.aborted) onAbort();
    let done = false;
    const finish = (end: ProcessEnd) => {
      if (done) return;
      done = true;
      timeout.removeEventListener('abort', onTimeout);
      spec.signal.removeEventListener('abort', onAbort);
      resolve({ end, output: Buffer.concat(chunks).toString('utf8'), pid: child.pid });
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    if (child.pid !== undefined) spec.onStart?.(child.pid);
    // The leader is gone: end what it left behind in its group, so the pipes close too.
    child.on('exit', () => child.pid !== undefined && killGroup(child.pid));
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (child.pid === undefined) finish({ kind: 'not-started', error });
    });
    child.on('close', (code, signal) => finish(stopped ? { kind: stopped } : { kind: 'exited', code, signal }));
  });
}
