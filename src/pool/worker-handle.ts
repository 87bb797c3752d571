import type { MessagePort } from 'node:worker_threads';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { ExecuteRequest, ExecuteResult, HostApi, WorkerApi } from './worker-protocol.js';

/** What the host learns from a worker while it runs. */
export interface WorkerHandleEvents {
  /** Epoch milliseconds now. */
  now(): number;
  heartbeat(handle: WorkerHandle, inFlight: number): void;
  progress(requestId: string, update: { percent?: number; message?: string }): void;
}

/**
 * The host's side of one worker thread's agent runtime: its registration facts and its
 * comlink control channel. Every attempt sent through it settles — when the thread exits,
 * the attempts still pending come back as recoverable `WORKER_EXITED` failures.
 */
export class WorkerHandle {
  readonly runtimeId: string;
  readonly threadId: number;
  readonly agents: ReadonlyArray<{ agent_id: string; capabilities: string[] }>;
  readonly capacity: number;
  /** Epoch milliseconds of the last heartbeat (or of registration). */
  lastSeen: number;
  #exited = false;
  readonly #api: Comlink.Remote<WorkerApi>;
  readonly #port: MessagePort;
  readonly #pending = new Map<string, (result: ExecuteResult) => void>();

  constructor(hello: { runtime_id: string; thread_id: number; agents: ReadonlyArray<{ agent_id: string; capabilities: string[] }>; capacity: number; port: MessagePort }, events: WorkerHandleEvents) {
    this.runtimeId = hello.runtime_id;
    this.threadId = hello.thread_id;
    this.agents = hello.agents;
    this.capacity = hello.capacity;
    this.lastSeen = events.now();
    this.#port = hello.port;
    this.#api = Comlink.wrap<WorkerApi>(nodeEndpoint(hello.port));
    const host: HostApi = {
      heartbeat: (inFlight) => {
        this.lastSeen = events.now();
        events.heartbeat(this, inFlight);
      },
      progress: (requestId, update) => events.progress(requestId, update),
    };
    void this.#api.attach(Comlink.proxy(host));
  }

  /** Attempts sent and not yet settled. */
  get inFlight(): number {
    return this.#pending.size;
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** Runs one attempt on this worker; always resolves. */
  execute(request: ExecuteRequest): Promise<ExecuteResult> {
    if (this.#exited) return Promise.resolve(this.#lost(request.request_id));
    return new Promise((resolve) => {
      this.#pending.set(request.request_id, resolve);
      this.#api.execute(request).then(
        (result) => this.#settle(request.request_id, result),
        (error: unknown) => this.#settle(request.request_id, { type: 'failed', request_id: request.request_id, error: { name: 'Error', code: 'WORKER_CHANNEL_ERROR', message: String(error), recoverable: true } }),
      );
    });
  }

  /** Aborts an attempt's signal in the worker. */
  cancel(requestId: string): void {
    if (!this.#exited) void this.#api.cancel(requestId).catch(() => undefined);
  }

  /** Asks the runtime to abort everything and waits (at most `timeoutMs`) for its handlers to settle. */
  async shutdown(timeoutMs: number): Promise<void> {
    if (this.#exited) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.#api.shutdown().catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /** The thread is gone: settle everything pending as a recoverable failure and close the channel. */
  markExited(code: number): void {
    if (this.#exited) return;
    this.#exited = true;
    for (const [id, resolve] of this.#pending) resolve(this.#lost(id, code));
    this.#pending.clear();
    this.#port.close();
  }

  #settle(requestId: string, result: ExecuteResult): void {
    const resolve = this.#pending.get(requestId);
    if (!resolve) return;
    this.#pending.delete(requestId);
    resolve(result);
  }

  #lost(requestId: string, code?: number): ExecuteResult {
    const how = code === undefined ? 'had already exited' : `exited with code ${code}`;
    return { type: 'failed', request_id: requestId, error: { name: 'SwitchyardError', code: 'WORKER_EXITED', message: `The worker thread running ${this.runtimeId} ${how} before the attempt finished.`, recoverable: true } };
  }
}
