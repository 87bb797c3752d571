import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { type Scheduler, systemScheduler, type Timer } from '../core/scheduler.js';
import { decodeOutcome, encodeRequest, OUTCOME_SLOTS } from './attempt-wire.js';
import { StartOrder } from './start-order.js';
import { ThreadChildren } from './thread-children.js';
import type { ExecuteRequest, ExecuteResult, HostToWorker, WorkerApi, WorkerToHost } from './worker-protocol.js';

/** What {@link WorkerHandle.send} tells of one attempt as it goes. One object, not a closure per event: this is per attempt. */
export interface AttemptSink {
  /** Called once, with the outcome — never synchronously. */
  done(result: ExecuteResult): void;
  /**
   * Called when the attempt starts in the worker as far as the host can tell: at once if the
   * worker has room to run it, else when an attempt before it ends (see {@link StartOrder});
   * never for one that ends while held.
   */
  started?(): void;
  /**
   * Called instead of `done` for an attempt the worker gave back unstarted after
   * {@link WorkerHandle.reclaim}; without it, such an attempt ends as a recoverable `ABORTED` failure.
   */
  reclaimed?(): void;
}

/** An attempt sent and not yet settled. */
interface Pending {
  readonly requestId: string;
  readonly sink: AttemptSink;
}

/** What the host learns from a worker while it runs. */
export interface WorkerHandleEvents {
  /** Epoch milliseconds now. */
  now(): number;
  heartbeat(handle: WorkerHandle, inFlight: number): void;
  progress(requestId: string, update: { percent?: number; message?: string }): void;
}

/**
 * The host's side of one worker thread's agent runtime: its registration facts, its comlink
 * control channel (shutdown) and its data channel (attempts out in batches, cancels and reclaims
 * behind them; outcomes, progress and heartbeats back). Every attempt sent through it settles — when the thread exits,
 * the attempts still pending come back as recoverable `WORKER_EXITED` failures.
 */
export class WorkerHandle {
  readonly runtimeId: string;
  readonly threadId: number;
  readonly agents: ReadonlyArray<{ agent_id: string; capabilities: string[] }>;
  /** Attempts it takes at once: {@link concurrency} running, the rest held in the worker until they start. */
  readonly capacity: number;
  /** Attempts it runs at once. */
  readonly concurrency: number;
  /**
   * Whether it takes one attempt at a time: then nothing can travel with an attempt or its
   * result, and batching them per turn would only add a turn of latency.
   */
  readonly takesOne: boolean;
  /** Epoch milliseconds of the last heartbeat (or of registration). */
  lastSeen: number;
  /**
   * The child processes the worker's agents registered and have not seen end: what the pool
   * kills when the thread exits. Complete once {@link markExited} has read what the worker
   * posted before it died.
   */
  readonly children = new ThreadChildren();
  #exited = false;
  readonly #api: Comlink.Remote<WorkerApi>;
  readonly #port: MessagePort;
  readonly #data: MessagePort;
  /** By the number each attempt crosses the channel under: results come back by it, not by request id. */
  readonly #pending = new Map<number, Pending>();
  #seq = 0;
  readonly #order: StartOrder;
  /** Attempts to send with the next data-channel message (one per event-loop turn), encoded. */
  #outbox: unknown[] = [];
  readonly #scheduler: Scheduler;

  constructor(
    hello: {
      runtime_id: string;
      thread_id: number;
      agents: ReadonlyArray<{ agent_id: string; capabilities: string[] }>;
      capacity: number;
      concurrency: number;
      port: MessagePort;
      data: MessagePort;
    },
    events: WorkerHandleEvents,
    /** The shutdown grace's timer. */
    scheduler: Scheduler = systemScheduler,
  ) {
    this.#scheduler = scheduler;
    this.runtimeId = hello.runtime_id;
    this.threadId = hello.thread_id;
    this.agents = hello.agents;
    this.capacity = hello.capacity;
    this.concurrency = hello.concurrency;
    this.takesOne = hello.capacity === 1;
    this.#order = new StartOrder(hello.concurrency);
    this.lastSeen = events.now();
    this.#port = hello.port;
    this.#data = hello.data;
    this.#data.on('message', (message: WorkerToHost) => {
      switch (message.type) {
        case 'results':
          for (let at = 0; at < message.batch.length; at += OUTCOME_SLOTS) this.#settle(message.batch, at);
          break;
        case 'progress':
          events.progress(message.request_id, message.update);
          break;
        case 'heartbeat':
          this.lastSeen = events.now();
          events.heartbeat(this, message.in_flight);
          break;
        case 'child':
        case 'child-ended':
          this.children.note(message);
          break;
        default:
          message satisfies never;
      }
    });
    this.#api = Comlink.wrap<WorkerApi>(nodeEndpoint(hello.port));
  }

  /** Attempts sent and not yet settled. */
  get inFlight(): number {
    return this.#pending.size;
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** Runs one attempt on this worker; always resolves. Attempts sent in the same turn travel together. */
  execute(request: ExecuteRequest): Promise<ExecuteResult> {
    return new Promise((resolve) => this.send(request, { done: resolve }));
  }

  /** {@link execute} without a promise per attempt (the host's hot path): `sink` is told how it goes. */
  send(request: ExecuteRequest, sink: AttemptSink): void {
    if (this.#exited) {
      const lost = this.#lost(request.request_id);
      queueMicrotask(() => sink.done(lost));
      return;
    }
    const seq = ++this.#seq;
    this.#pending.set(seq, { requestId: request.request_id, sink });
    if (this.#order.sent(seq)) sink.started?.();
    // Attempts of one turn go together, unless the worker takes one at a time.
    if (this.takesOne) {
      const batch: unknown[] = [];
      encodeRequest(batch, seq, request);
      this.#data.postMessage({ type: 'execute', batch } satisfies HostToWorker);
      return;
    }
    const first = this.#outbox.length === 0;
    encodeRequest(this.#outbox, seq, request);
    if (first) setImmediate(() => this.#flush());
  }

  #flush(): void {
    const batch = this.#outbox;
    this.#outbox = [];
    if (this.#exited || batch.length === 0) return;
    this.#data.postMessage({ type: 'execute', batch } satisfies HostToWorker);
  }

  /** Aborts an attempt's signal in the worker (drops it unstarted if held), also one sent this turn. */
  cancel(requestId: string): void {
    this.#control({ type: 'cancel', request_id: requestId });
  }

  /**
   * Asks the worker to give back those of `requestIds` it holds and has not started (the
   * dispatcher moves them to a runtime with a slot free). Each one given back settles through
   * its `reclaimed` callback, in order with the outcomes; the rest run on as sent.
   */
  reclaim(requestIds: readonly string[]): void {
    if (requestIds.length > 0) this.#control({ type: 'reclaim', request_ids: requestIds });
  }

  /**
   * Sends a message naming attempts on the channel the attempts took, after those still in the
   * outbox: so it reaches the worker after them, also for an attempt sent this turn.
   */
  #control(message: HostToWorker): void {
    if (this.#exited) return;
    this.#flush();
    this.#data.postMessage(message);
  }

  /** Asks the runtime to abort everything and waits (at most `timeoutMs`) for its handlers to settle. */
  async shutdown(timeoutMs: number): Promise<void> {
    if (this.#exited) return;
    let timer: Timer | undefined;
    await Promise.race([
      this.#api.shutdown().catch(() => undefined),
      new Promise<void>((resolve) => (timer = this.#scheduler.setTimeout(resolve, timeoutMs))),
    ]);
    this.#scheduler.clearTimeout(timer);
  }

  /**
   * The thread is gone: settle everything pending as a recoverable failure and close the
   * channel — after reading the child processes it registered or saw end in the messages it
   * posted before dying, which the host's `exit` event can overtake.
   */
  markExited(code: number): void {
    if (this.#exited) return;
    this.#exited = true;
    this.#readChildrenLeft();
    for (const { requestId, sink } of this.#pending.values()) sink.done(this.#lost(requestId, code));
    this.#pending.clear();
    this.#outbox = [];
    this.#port.close();
    this.#data.close();
  }

  /** Reads the `child` and `child-ended` messages still queued on the data channel (the rest are of no use now). */
  #readChildrenLeft(): void {
    // `note` reads each through the schema and passes over any other message.
    for (let left = receiveMessageOnPort(this.#data); left; left = receiveMessageOnPort(this.#data))
      this.children.note(left.message);
  }

  #settle(batch: readonly unknown[], at: number): void {
    const { seq, outcome } = decodeOutcome(batch, at);
    const pending = this.#pending.get(seq);
    if (!pending) return;
    this.#pending.delete(seq);
    const { requestId, sink } = pending;
    if (outcome.ok) sink.done({ type: 'succeeded', request_id: requestId, output: outcome.output });
    else if (!('reclaimed' in outcome)) sink.done({ type: 'failed', request_id: requestId, error: outcome.error });
    else if (sink.reclaimed) sink.reclaimed();
    else
      sink.done({
        type: 'failed',
        request_id: requestId,
        error: {
          name: 'AbortError',
          code: 'ABORTED',
          message: `The attempt was given back by ${this.runtimeId} before it started.`,
          recoverable: true,
        },
      });
    this.#order.ended(seq, this.#start);
  }

  /** Tells the sink of attempt `seq` that it has started (as {@link StartOrder} finds). */
  readonly #start = (seq: number): void => this.#pending.get(seq)?.sink.started?.();

  #lost(requestId: string, code?: number): ExecuteResult {
    const how = code === undefined ? 'had already exited' : `exited with code ${code}`;
    return {
      type: 'failed',
      request_id: requestId,
      error: {
        name: 'SwitchyardError',
        code: 'WORKER_EXITED',
        message: `The worker thread running ${this.runtimeId} ${how} before the attempt finished.`,
        recoverable: true,
      },
    };
  }
}
