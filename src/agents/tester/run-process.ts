import { spawn } from 'node:child_process';
import type { Scheduler } from '../../core/scheduler.js';

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
  /** Whose timer ends the run at `timeoutMs` (the system's in a worker thread; a simulated one in tests). */
  readonly scheduler: Pick<Scheduler, 'setTimeout' | 'clearTimeout'>;
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
 * timeout is a background timer of `spec.scheduler`, cleared when the process ends.
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
    const onAbort = () => stop('aborted');
    const timeout = spec.scheduler.setTimeout(() => stop('timeout'), spec.timeoutMs, { background: true });
    spec.signal.addEventListener('abort', onAbort, { once: true });
    if (spec.signal.aborted) onAbort();
    let done = false;
    const finish = (end: ProcessEnd) => {
      if (done) return;
      done = true;
      spec.scheduler.clearTimeout(timeout);
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
