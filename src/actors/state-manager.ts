import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Bus, BusMessage, Subscription } from '../bus/bus.js';
import { every, type Scheduler } from '../core/scheduler.js';
import { ErrorCodes, type SwitchyardError } from '../protocol/errors.js';
import { parseTagged, parseWith } from '../protocol/parse.js';
import type { Subjects } from '../protocol/subjects.js';
import { type RecordedRun, resumable } from '../journal/recorded-run.js';
import { type RunStepMessage, RunStepMessageSchema } from '../protocol/run-events.js';
import {
  AgentDispatchFailedSchema,
  AgentRuntimeDeregisteredSchema,
  AgentRuntimeRegisteredSchema,
} from '../protocol/runtime-events.js';
import { isVetted } from '../protocol/vetted.js';
import { leaseHolderGone } from '../store/lease-liveness.js';
import type { LeaseHolder, StateStore } from '../store/state-store.js';

/** The runtime events the state manager records (the store's runtime event log). */
const RecordedRuntimeEventSchema = z.discriminatedUnion('type', [
  AgentRuntimeRegisteredSchema,
  AgentRuntimeDeregisteredSchema,
  AgentDispatchFailedSchema,
]);
type RecordedRuntimeEvent = z.infer<typeof RecordedRuntimeEventSchema>;
const RECORDED_KINDS: readonly string[] = ['AgentRuntimeRegistered', 'AgentRuntimeDeregistered', 'AgentDispatchFailed'];

/** The `type` tag of a message, read before its shape is checked. */
function typeOf(data: unknown): string {
  return typeof data === 'object' && data !== null && 'type' in data && typeof data.type === 'string' ? data.type : '';
}

/** Options of a {@link StateManager}. */
export interface StateManagerOptions {
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly store: StateStore;
  readonly logger: Logger;
  /** Time and timers: the times steps and leases are written at, and lease renewal. */
  readonly scheduler: Scheduler;
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
  /** Stops renewing the leases. */
  readonly #stopRenewing: () => void;
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
    this.#stopRenewing = every(options.scheduler, Math.max(10, Math.floor(this.#ttl / 3)), () => this.#renewAll(), {
      background: true,
    });
  }

  /** Takes the lease on `runId` for this runtime (`RUN_LOCKED` if a live process holds it). */
  claim(runId: string): void {
    this.store.acquireLease(runId, this.holder, this.#o.scheduler.now(), this.#ttl, leaseHolderGone);
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
    this.#stopRenewing();
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
      this.store.recordStep(parsed.value, this.#o.scheduler.now());
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
    // Heartbeats share the subjects: only these kinds are recorded (checked before the rest is parsed).
    const kind = typeOf(message.data);
    if (!RECORDED_KINDS.includes(kind)) return;
    const parsed = isVetted(message.data)
      ? { ok: true as const, value: message.data as RecordedRuntimeEvent }
      : parseTagged(RecordedRuntimeEventSchema, message.data, RECORDED_KINDS);
    if (!parsed.ok) {
      this.#o.logger.warn(
        { subject: message.subject, code: parsed.error.code },
        `malformed runtime event not recorded: ${parsed.error.message}`,
      );
      return;
    }
    const event = parsed.value;
    try {
      this.store.recordRuntimeEvent({
        at: this.#o.scheduler.now(),
        type: event.type,
        runtime_id: 'runtime_id' in event && typeof event.runtime_id === 'string' ? event.runtime_id : null,
        workflow_id: 'workflow_id' in event && typeof event.workflow_id === 'string' ? event.workflow_id : null,
        data: event,
      });
    } catch (error) {
      this.#o.logger.error({ err: error, type: event.type }, 'runtime event not recorded');
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
