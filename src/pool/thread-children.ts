import { type ChildMessage, ChildMessageSchema } from './worker-protocol.js';

/** A child process a worker thread registered, as the host keeps it. */
export interface RegisteredChild {
  readonly pid: number;
  readonly group: boolean;
  readonly label?: string;
}

/** Sends `signal` to a pid (`-pid`: its group), as `process.kill` does. */
export type Kill = (pid: number, signal: NodeJS.Signals) => void;

/**
 * The host's record of the child processes one worker thread's agents started and have not
 * seen end ({@link ChildProcesses} in the worker), read from the thread's data channel through
 * {@link ChildMessageSchema}; when the thread exits, {@link killAll} ends those left.
 */
export class ThreadChildren {
  readonly #children = new Map<number, RegisteredChild>();
  readonly #kill: Kill;

  constructor(kill: Kill = (pid, signal) => process.kill(pid, signal)) {
    this.#kill = kill;
  }

  /** Children registered and not ended. */
  get size(): number {
    return this.#children.size;
  }

  /** Reads one `child` or `child-ended` message; one that does not match the schema is ignored and reported as `false`. */
  note(message: unknown): boolean {
    const parsed = ChildMessageSchema.safeParse(message);
    if (!parsed.success) return false;
    this.#apply(parsed.data);
    return true;
  }

  #apply(message: ChildMessage): void {
    if (message.type === 'child-ended') {
      this.#children.delete(message.pid);
      return;
    }
    const { pid, group, label } = message;
    this.#children.set(pid, { pid, group, ...(label === undefined ? {} : { label }) });
  }

  /**
   * SIGKILLs every child still registered — the whole group for a group leader — and forgets
   * them all. Returns those it signalled (a child already gone is left out, as is one whose
   * kill was refused), for the log.
   */
  killAll(): RegisteredChild[] {
    const killed: RegisteredChild[] = [];
    for (const child of this.#children.values()) {
      try {
        this.#kill(child.group ? -child.pid : child.pid, 'SIGKILL');
        killed.push(child);
      } catch {
        // ESRCH: it (or its whole group) has gone already; EPERM: not ours to kill.
      }
    }
    this.#children.clear();
    return killed;
  }
}
