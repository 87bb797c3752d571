import type { MessagePort } from 'node:worker_threads';
import type { WorkerToHost } from './worker-protocol.js';

/** How a registered child process is killed, and named in the host's log. */
export interface ChildProcessOptions {
  /**
   * Whether it leads a process group of its own (spawned `detached`): the host then kills the
   * whole group, everything the child started with it. @default false
   */
  readonly group?: boolean;
  /** What it is, for the host's log (`MCP server fs`, `node --test`). At most 200 characters. */
  readonly label?: string;
}

/**
 * Where agent code in a worker thread tells the host about the processes it starts
 * (`AgentFactoryEnv.children`). A worker thread that dies — terminated, crashed, out of memory,
 * replaced by the pool — runs no more JavaScript, so its agents cannot end what they started;
 * the host, which sees the thread exit, SIGKILLs every child still registered (the group, for a
 * group leader) and logs it. Unregister a child as soon as it has ended: the host must never
 * kill a pid the agent no longer owns, as the system may have given it to another process.
 *
 * @example
 * const child = spawn('my-server', [], { detached: true });
 * if (child.pid !== undefined) env.children.register(child.pid, { group: true, label: 'my-server' });
 * child.once('exit', () => child.pid !== undefined && env.children.unregister(child.pid));
 */
export interface ChildProcesses {
  /** Tells the host that this thread started process `pid`. Registering a pid again replaces its options. */
  register(pid: number, options?: ChildProcessOptions): void;
  /** Tells the host that process `pid` ended (or is no longer this thread's): it will not be killed. Unknown pids are ignored. */
  unregister(pid: number): void;
}

/** Registers nothing: for agents built outside a worker thread (a test, an in-process host), whose children end with the process. */
export const noChildProcesses: ChildProcesses = Object.freeze({
  register: () => undefined,
  unregister: () => undefined,
});

/**
 * The worker thread's {@link ChildProcesses}: each registration is one message to the host on
 * the data channel, posted at once (not batched per turn), so it is on its way before the
 * thread can die. Nothing is sent for a thread whose agents start no process.
 */
export function portChildProcesses(channel: MessagePort): ChildProcesses {
  const registered = new Set<number>();
  return Object.freeze({
    register(pid: number, options: ChildProcessOptions = {}): void {
      registered.add(pid);
      const label = options.label?.slice(0, 200);
      channel.postMessage({
        type: 'child',
        pid,
        group: options.group ?? false,
        ...(label === undefined ? {} : { label }),
      } satisfies WorkerToHost);
    },
    unregister(pid: number): void {
      if (registered.delete(pid)) channel.postMessage({ type: 'child-ended', pid } satisfies WorkerToHost);
    },
  });
}
