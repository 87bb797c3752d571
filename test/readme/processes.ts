import { type ChildProcess, spawn } from 'node:child_process';

/** How a child process ended, and what it printed. */
export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly err: string;
}

/** A child started by {@link Processes.start}. */
export interface Started {
  readonly child: ChildProcess;
  /** What it printed so far. */
  output(): string;
  /** Resolves once `pattern` shows in its output; rejects if it exits first. */
  printed(pattern: RegExp): Promise<void>;
  /** Resolves when it has exited. */
  finished: Promise<Finished>;
}

/**
 * Child processes of a test, each in a process group of its own so that everything it starts
 * (npx, tsx, worker processes) goes with it. {@link killAll} ends every group still alive; it
 * runs from the test's afterEach, and from the process's exit as a last resort (a timed-out
 * test still runs afterEach, a killed vitest worker still exits).
 */
export class Processes {
  readonly #live = new Set<ChildProcess>();
  /** Every group started: a leader that exited may have left members behind (`cmd &` in sh). */
  readonly #groups = new Set<number>();
  readonly #onExit = () => this.killAll();

  constructor() {
    process.once('exit', this.#onExit);
  }

  /** Starts `command` with `args` in `cwd`. */
  start(command: string, args: readonly string[], cwd: string, env: Record<string, string> = {}): Started {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#live.add(child);
    if (child.pid !== undefined) this.#groups.add(child.pid);
    let out = '';
    let err = '';
    const watchers = new Set<() => void>();
    const seen = () => watchers.forEach((w) => w());
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      seen();
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      seen();
    });
    const finished = new Promise<Finished>((resolve) => {
      child.once('close', (code, signal) => {
        this.#live.delete(child);
        seen();
        resolve({ code, signal, out, err });
      });
    });
    const output = () => out + err;
    const printed = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(output())) {
            watchers.delete(check);
            resolve();
          } else if (!this.#live.has(child)) {
            watchers.delete(check);
            reject(new Error(`${command} ${args.join(' ')} exited before printing ${pattern}:\n${output()}`));
          }
        };
        watchers.add(check);
        check();
      });
    return { child, output, printed, finished };
  }

  /** Waits for `started` to exit, killing its group after `timeoutMs`; a kill is reported as such. */
  async within(started: Started, timeoutMs: number): Promise<Finished & { timedOut: boolean }> {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (started.child.pid !== undefined) killGroup(started.child.pid, 'SIGKILL');
    }, timeoutMs);
    try {
      return { ...(await started.finished), timedOut };
    } finally {
      clearTimeout(timer);
    }
  }

  /** Asks `started` to stop (SIGTERM to its group) and waits for it. */
  async stop(started: Started): Promise<void> {
    if (!this.#live.has(started.child) || started.child.pid === undefined) return;
    killGroup(started.child.pid, 'SIGTERM');
    await this.within(started, 15_000);
  }

  /** Kills every process group still alive, at once. */
  killAll(): void {
    for (const pid of this.#groups) killGroup(pid, 'SIGKILL');
    this.#groups.clear();
    this.#live.clear();
  }

  /** Kills what is left and stops watching the process's exit. */
  dispose(): void {
    this.killAll();
    process.off('exit', this.#onExit);
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}
