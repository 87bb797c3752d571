import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Bus, BusMessage, Subscription } from '../bus/bus.js';
import { ErrorCodes, type SwitchyardError } from '../protocol/errors.js';
import { parseWith } from '../protocol/parse.js';
import type { Subjects } from '../protocol/subjects.js';
import { type RecordedRun, resumable } from '../journal/recorded-run.js';
import { type RunStepMessage, RunStepMessageSchema } from '../protocol/run-events.js';
import { isVetted } from '../protocol/vetted.js';
import { leaseHolderGone } from '../store/lease-liveness.js';
import type { LeaseHolder, StateStore } from '../store/state-store.js';

/** Options of a {@link StateManager}. */
export interface StateManagerOptions {
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly store: StateStore;
  readonly logger: Logger;
  readonly clock: () => number;
  /** How long a lease on a run lasts unless renewed (renewed every third of it). @default 30000 */
  readonly leaseTtlMs?: number;
  /** Told when a lease could not be renewed: another process took the run over. */
  readonly onLeaseLost?: (runId: string, error: SwitchyardError) => void;
}

/**
 * The state manager actor (seed 002's StateManager; seed 000's "records AgentDispatchFailed"):
 * the only writer of the store. It records what the other actors publish — the steps of the
 * runs this runtime drives (each step atomically), runtime registrations and
 * deregistrations, dispatch failures — and holds the leases of those runs, so no second
 * process drives them.
 */
export class StateManager {
  readonly store: StateStore;
  readonly holder: LeaseHolder;
  readonly #o: StateManagerOptions;
  readonly #subs: Subscription[] = [];
  readonly #held = new Set<string>();
  /** Held runs whose last step has been written (or refused), and who waits for that. */
  readonly #ended = new Set<string>();
  readonly #endWaiters = new Map<string, Array<() => void>>();
  readonly #renew: NodeJS.Timeout;
  readonly #ttl: number;

  constructor(options: StateManagerOptions) {
    this.#o = options;
    this.store = options.store;
    this.#ttl = options.leaseTtlMs ?? 30_000;
    this.holder = { owner: randomUUID(), pid: process.pid, host: hostname() };
    const { bus, subjects } = options;
    this.#subs.push(bus.subscribe(subjects.patterns.runSteps(), (m) => this.#onStep(m)));
    this.#subs.push(bus.subscribe(subjects.patterns.runtimeDefinitions(), (m) => this.#onRuntimeEvent(m)));
    this.#subs.push(bus.subscribe(subjects.patterns.dispatchFailures(), (m) => this.#onRuntimeEvent(m)));
    this.#renew = setInterval(() => this.#renewAll(), Math.max(10, Math.floor(this.#ttl / 3)));
    this.#renew.unref();
  }

  /** Takes the lease on `runId` for this runtime (`RUN_LOCKED` if a live process holds it). */
  claim(runId: string): void {
    this.store.acquireLease(runId, this.holder, this.#o.clock(), this.#ttl, leaseHolderGone);
    this.#held.add(runId);
  }

  /**
   * Settles once the last step of `runId` (the one that ends or cancels it) has been written —
   * or refused by the store, which is logged — at once if this manager does not hold the run.
   * Never rejects: the run's outcome stands whether or not it reached the file.
   */
  ended(runId: string): Promise<void> {
    if (!this.#held.has(runId) || this.#ended.has(runId)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiting = this.#endWaiters.get(runId);
      if (waiting) waiting.push(resolve);
      else this.#endWaiters.set(runId, [resolve]);
    });
  }

  release(runId: string): void {
    this.#wake(runId);
    this.#ended.delete(runId);
    if (!this.#held.delete(runId)) return;
    try {
      this.store.releaseLease(runId, this.holder.owner);
    } catch (error) {
      this.#o.logger.warn({ err: error, run_id: runId }, 'lease not released; it lapses on its own');
    }
  }

  /** A recorded run to resume: `RUN_NOT_FOUND` if the store has none by that id, `RUN_ENDED` if it ended. */
  load(runId: string): RecordedRun {
    return resumable(this.store, runId);
  }

  /** Stops recording and gives back every lease. Call after the bus is flushed. */
  close(): void {
    clearInterval(this.#renew);
    for (const s of this.#subs) s.unsubscribe();
    for (const runId of [...this.#held]) this.release(runId);
  }

  #onStep(message: BusMessage): void {
    // The journal of a run in this process built it as a typed value: no need to check it again.
    const vetted = isVetted(message.data);
    const parsed = vetted
      ? { ok: true as const, value: message.data as RunStepMessage }
      : parseWith(RunStepMessageSchema, message.data, 'RunStep');
    if (!parsed.ok) {
      this.#o.logger.error(
        { subject: message.subject, code: parsed.error.code },
        `malformed run step not recorded: ${parsed.error.message}`,
      );
      return;
    }
    // Only the runs this runtime drives: another coordinator on the same NATS records its own.
    if (!this.#held.has(parsed.value.run_id)) return;
    // A run held here is driven here: its steps come from its journal in this process, never from the bus.
    if (!vetted) {
      this.#o.logger.warn(
        { subject: message.subject, run_id: parsed.value.run_id, code: ErrorCodes.UNAUTHORIZED },
        'run step from outside this process not recorded: the run is driven here',
      );
      return;
    }
    try {
      this.store.recordStep(parsed.value, this.#o.clock());
    } catch (error) {
      this.#o.logger.error(
        { err: error, run_id: parsed.value.run_id, seq: parsed.value.seq, code: (error as SwitchyardError).code },
        'run step not recorded',
      );
    }
    if (parsed.value.status !== 'running') {
      this.#ended.add(parsed.value.run_id);
      this.#wake(parsed.value.run_id);
    }
  }

  #wake(runId: string): void {
    const waiting = this.#endWaiters.get(runId);
    this.#endWaiters.delete(runId);
    for (const resolve of waiting ?? []) resolve();
  }

  #onRuntimeEvent(message: BusMessage): void {
    const data = message.data as { type?: unknown; runtime_id?: unknown; workflow_id?: unknown; at?: unknown } | null;
    const type = data?.type;
    if (type !== 'AgentRuntimeRegistered' && type !== 'AgentRuntimeDeregistered' && type !== 'AgentDispatchFailed')
      return;
    try {
      this.store.recordRuntimeEvent({
        at: this.#o.clock(),
        type,
        runtime_id: typeof data?.runtime_id === 'string' ? data.runtime_id : null,
        workflow_id: typeof data?.workflow_id === 'string' ? data.workflow_id : null,
        data,
      });
    } catch (error) {
      this.#o.logger.error({ err: error, type }, 'runtime event not recorded');
    }
  }

  #renewAll(): void {
    for (const runId of this.#held) {
      try {
        this.claim(runId);
      } catch (error) {
        this.#held.delete(runId);
        this.#wake(runId);
        this.#o.logger.error({ err: error, run_id: runId }, 'lost the lease on a run');
        this.#o.onLeaseLost?.(runId, error as SwitchyardError);
      }
    }
  }
}
