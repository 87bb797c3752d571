import type { Logger } from 'pino';
import type { AcknowledgedOptions } from '../bus/acknowledged.js';
import type { Bus, Subscription } from '../bus/bus.js';
import { type Scheduler, systemScheduler, type Timer } from '../core/scheduler.js';
import { isoClock } from '../core/time.js';
import { AnnounceRuntimesSchema, type AttemptProgress, type TriggerAgent } from '../protocol/runtime-events.js';
import type { Subjects } from '../protocol/subjects.js';
import type { AgentPool } from './agent-pool.js';
import { AnnounceThrottle } from './announce-throttle.js';
import { BusAttempt, type BusAttemptHost } from './bus-attempt.js';
import { HeldAttempts } from './held-attempts.js';
import { ResultPublisher } from './result-publisher.js';
import { RuntimeRegistrations } from './runtime-registrations.js';
import { subscribeRuntime } from './runtime-subscriptions.js';
import type { WorkerHandle } from './worker-handle.js';

/** Shortest time between two rounds of registrations a runtime host publishes when dispatchers ask (`AnnounceRuntimes`). */
const ANNOUNCE_GAP_MS = 100;

/** Options of {@link connectPool}. */
export interface BusRuntimesOptions {
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly logger: Logger;
  /** Epoch milliseconds now, for the time of the events published. */
  readonly clock: () => number;
  /** Deadlines, kill grace, announcement pacing and drains. @default systemScheduler */
  readonly scheduler?: Scheduler;
  /** Deadline of an attempt whose trigger states none. */
  readonly defaultTimeoutMs: number;
  /** After a timeout aborts a handler, how long it may take to settle before its worker is killed. @default 2000 */
  readonly killGraceMs?: number;
  readonly heartbeatMs: number;
  /** How results are sent again until acknowledged (timeouts and backoff). */
  readonly delivery?: Pick<AcknowledgedOptions, 'ackTimeoutMs' | 'backoffMs' | 'maxBackoffMs' | 'giveUpAfterMs'>;
}

/** The bus side of a pool: what it registered and how to take it down. */
export interface BusRuntimes {
  /**
   * Stops taking attempts, waits up to `drainMs` (default 0) for those running to finish and
   * their results to be delivered, then deregisters every runtime (reason `shutdown`), handing
   * back — listing in `in_flight` — the attempts still running, which the dispatcher then
   * reports as recoverable failures so they run elsewhere.
   */
  close(options?: { drainMs?: number }): Promise<void>;
  /** Attempts held now, over all runtimes: running, or finished with their results not yet acknowledged. */
  readonly inFlight: number;
}

/**
 * Puts an {@link AgentPool}'s worker runtimes on the bus: each registers
 * (`AgentRuntimeRegistered`), heartbeats, takes `TriggerAgent` commands on its execute
 * subject and publishes an `AgentExecutionResult` for each. An attempt that runs past its
 * deadline is aborted and reported as a recoverable `TIMEOUT`; if its handler still has not
 * settled after the grace period, the worker is killed (and replaced by the pool). A worker
 * that dies is deregistered as defunct at once.
 */
export function connectPool(pool: AgentPool, options: BusRuntimesOptions): BusRuntimes {
  return new PoolConnection(pool, options);
}

/**
 * The wiring of the parts: attempts held ({@link HeldAttempts}), their results
 * ({@link ResultPublisher}) and deadlines ({@link BusAttempt}), the runtimes' registrations
 * ({@link RuntimeRegistrations}) and commands ({@link subscribeRuntime}), and the answers to
 * dispatchers asking for announcements ({@link AnnounceThrottle}).
 */
class PoolConnection implements BusRuntimes {
  readonly #pool: AgentPool;
  readonly #o: BusRuntimesOptions;
  readonly #scheduler: Scheduler;
  readonly #held: HeldAttempts;
  readonly #registrations: RuntimeRegistrations;
  readonly #attempts: BusAttemptHost;
  readonly #announcer: AnnounceThrottle;
  readonly #subs: Subscription[];
  readonly #stopWatching: (() => void) | undefined;
  /** The time of an event, ISO 8601. */
  readonly #now: () => string;
  #closing = false;

  constructor(pool: AgentPool, options: BusRuntimesOptions) {
    const { bus, subjects, logger } = options;
    this.#pool = pool;
    this.#o = options;
    this.#scheduler = options.scheduler ?? systemScheduler;
    const now = (this.#now = isoClock(options.clock));
    this.#held = new HeldAttempts(bus.reliable === true);
    const held = this.#held;
    this.#registrations = new RuntimeRegistrations({
      bus,
      subjects,
      logger,
      now,
      heartbeatMs: options.heartbeatMs,
      held,
    });
    this.#attempts = {
      scheduler: this.#scheduler,
      logger,
      held,
      results: new ResultPublisher({
        bus,
        subjects,
        logger,
        now,
        held,
        ...(options.delivery ? { delivery: options.delivery } : {}),
      }),
      killGraceMs: options.killGraceMs ?? 2000,
      terminate: (runtimeId) => void pool.terminate(runtimeId),
    };
    // A dispatcher starting (or reconnecting) asks every runtime to announce itself; so does our own reconnection.
    this.#announcer = new AnnounceThrottle(this.#scheduler, ANNOUNCE_GAP_MS, () => this.#registrations.refreshAll());
    const announce = bus.subscribe(subjects.announce(), (message) => {
      if (AnnounceRuntimesSchema.safeParse(message.data).success) this.#announcer.ask();
    });
    this.#stopWatching = bus.onConnection?.((event) => {
      if (event === 'reconnected') this.#registrations.refreshAll();
    });
    const watch = bus.subscribe(subjects.patterns.runtimeDefinitions(), (message) =>
      this.#registrations.noteDefinition(message),
    );
    this.#subs = [watch, announce];
    pool.on('runtime', this.#onRuntime);
    pool.on('runtimeExit', this.#onExit);
    pool.on('heartbeat', this.#onHeartbeat);
    pool.on('progress', this.#onProgress);
    for (const handle of pool.runtimes()) this.#onRuntime(handle);
  }

  get inFlight(): number {
    return this.#held.count;
  }

  async close(closeOptions: { drainMs?: number } = {}): Promise<void> {
    if (this.#closing) return;
    // No new attempts: stop listening for triggers, then let the running ones finish a while.
    this.#registrations.stopTaking();
    await this.#drain(closeOptions.drainMs ?? 0);
    this.#closing = true;
    this.#pool.off('runtime', this.#onRuntime);
    this.#pool.off('runtimeExit', this.#onExit);
    this.#pool.off('heartbeat', this.#onHeartbeat);
    this.#pool.off('progress', this.#onProgress);
    for (const s of this.#subs) s.unsubscribe();
    this.#announcer.stop();
    this.#stopWatching?.();
    this.#registrations.closeAll();
  }

  /** Waits until nothing is held, or `ms` has passed. */
  async #drain(ms: number): Promise<void> {
    if (ms <= 0 || this.#held.count === 0) return;
    let timer: Timer | undefined;
    await Promise.race([
      this.#held.empty(),
      new Promise<void>((resolve) => (timer = this.#scheduler.setTimeout(resolve, ms))),
    ]);
    this.#scheduler.clearTimeout(timer);
  }

  #run(handle: WorkerHandle, trigger: TriggerAgent): void {
    // It stays held until its result is acknowledged (see ResultPublisher).
    if (!this.#held.take(handle.runtimeId, trigger.request_id, trigger.at)) return;
    // The trigger has every field the worker is sent (and more, which stays here).
    const timeoutMs = trigger.timeout_ms ?? this.#o.defaultTimeoutMs;
    handle.send(trigger, new BusAttempt(this.#attempts, handle, trigger, timeoutMs));
  }

  readonly #onRuntime = (handle: WorkerHandle): void => {
    const { bus, subjects, logger } = this.#o;
    const run = (h: WorkerHandle, trigger: TriggerAgent) => this.#run(h, trigger);
    this.#registrations.register(handle, subscribeRuntime(handle, { bus, subjects, logger, held: this.#held, run }));
  };

  readonly #onExit = (handle: WorkerHandle, code: number): void => {
    this.#o.logger.error({ runtime_id: handle.runtimeId, exit_code: code }, 'agent worker exited');
    this.#registrations.deregister(handle.runtimeId, 'defunct');
  };

  readonly #onHeartbeat = (handle: WorkerHandle, inFlight: number): void =>
    this.#registrations.heartbeat(handle, inFlight);

  readonly #onProgress = (requestId: string, update: { percent?: number; message?: string }): void => {
    this.#o.bus.publish(this.#o.subjects.progress(requestId), {
      type: 'AttemptProgress',
      request_id: requestId,
      ...update,
      at: this.#now(),
    } satisfies AttemptProgress);
  };
}
