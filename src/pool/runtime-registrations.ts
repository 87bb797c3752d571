import type { Logger } from 'pino';
import type { Bus, BusMessage, Subscription } from '../bus/bus.js';
import { vet } from '../protocol/vetted.js';
import type { AgentRuntimeDeregistered, AgentRuntimeRegistered, RuntimeHeartbeat } from '../protocol/runtime-events.js';
import type { Subjects } from '../protocol/subjects.js';
import type { HeldAttempts } from './held-attempts.js';
import type { WorkerHandle } from './worker-handle.js';

/** What {@link RuntimeRegistrations} publishes with. */
export interface RuntimeRegistrationsOptions {
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly logger: Logger;
  /** The time of an event, ISO 8601. */
  readonly now: () => string;
  readonly heartbeatMs: number;
  readonly held: HeldAttempts;
}

/**
 * The runtimes of a pool as the bus knows them: each one's registration (published at start,
 * again to refresh it, listing what it holds), its heartbeats, its command subscriptions, and
 * its deregistration. Every message about our own runtimes is vetted: a dispatcher in this
 * process tells them from forgeries.
 */
export class RuntimeRegistrations {
  readonly #o: RuntimeRegistrationsOptions;
  readonly #registrations = new Map<string, AgentRuntimeRegistered>();
  /** Each runtime's command subscriptions, execute first (see {@link subscribeRuntime}). */
  readonly #subs = new Map<string, Subscription[]>();
  /** Our live runtimes that the dispatcher declared defunct (a worker whose loop was blocked a while). */
  readonly #declaredDefunct = new Set<string>();
  #closing = false;

  constructor(options: RuntimeRegistrationsOptions) {
    this.#o = options;
  }

  /** Registers a runtime that takes its commands on `subscriptions`. */
  register(handle: WorkerHandle, subscriptions: Subscription[]): void {
    const { bus, subjects } = this.#o;
    const event: AgentRuntimeRegistered = {
      type: 'AgentRuntimeRegistered',
      runtime_id: handle.runtimeId,
      agents: handle.agents.map((a) => ({ agent_id: a.agent_id, capabilities: [...a.capabilities] })),
      capacity: handle.capacity,
      concurrency: handle.concurrency,
      heartbeat_interval_ms: this.#o.heartbeatMs,
      subjects: [subjects.execute(handle.runtimeId), subjects.cancel(handle.runtimeId)],
      at: this.#o.now(),
    };
    this.#subs.set(handle.runtimeId, subscriptions);
    this.#registrations.set(handle.runtimeId, event);
    bus.publish(subjects.registered(handle.runtimeId), vet({ ...event }));
  }

  /** Publishes a runtime's registration again, listing what it runs, so a dispatcher that lost track of it keeps those. */
  refresh(runtimeId: string): void {
    const registration = this.#registrations.get(runtimeId);
    if (!registration || this.#closing) return;
    this.#o.bus.publish(
      this.#o.subjects.registered(runtimeId),
      vet<AgentRuntimeRegistered>({ ...registration, in_flight: this.#o.held.of(runtimeId), at: this.#o.now() }),
    );
  }

  refreshAll(): void {
    for (const runtimeId of this.#registrations.keys()) this.refresh(runtimeId);
  }

  /** Withdraws a runtime: `shutdown` hands back (lists in `in_flight`) what it still holds. */
  deregister(runtimeId: string, reason: 'shutdown' | 'defunct'): void {
    for (const s of this.#subs.get(runtimeId) ?? []) s.unsubscribe();
    this.#subs.delete(runtimeId);
    this.#registrations.delete(runtimeId);
    this.#declaredDefunct.delete(runtimeId);
    const handedBack = this.#o.held.drop(runtimeId);
    this.#o.bus.publish(
      this.#o.subjects.deregistered(runtimeId),
      vet<AgentRuntimeDeregistered>({
        type: 'AgentRuntimeDeregistered',
        runtime_id: runtimeId,
        reason,
        ...(reason === 'shutdown' ? { in_flight: handedBack } : {}),
        at: this.#o.now(),
      }),
    );
  }

  /** Publishes a heartbeat; a runtime the dispatcher declared defunct registers anew first. */
  heartbeat(handle: WorkerHandle, inFlight: number): void {
    if (this.#declaredDefunct.delete(handle.runtimeId) && this.#registrations.has(handle.runtimeId)) {
      this.#o.logger.warn(
        { runtime_id: handle.runtimeId },
        'runtime declared defunct is heartbeating again; registering it anew',
      );
      this.refresh(handle.runtimeId);
    }
    this.#o.bus.publish(
      this.#o.subjects.heartbeat(handle.runtimeId),
      vet<RuntimeHeartbeat>({
        type: 'RuntimeHeartbeat',
        runtime_id: handle.runtimeId,
        in_flight: inFlight,
        capacity: handle.capacity,
        at: this.#o.now(),
      }),
    );
  }

  /** Reads a runtime definition event off the bus: a dispatcher declaring one of ours defunct. */
  noteDefinition(message: BusMessage): void {
    const data = message.data as { type?: unknown; runtime_id?: unknown; reason?: unknown } | null;
    if (
      data?.type === 'AgentRuntimeDeregistered' &&
      data.reason === 'defunct' &&
      typeof data.runtime_id === 'string' &&
      this.#subs.has(data.runtime_id)
    )
      this.#declaredDefunct.add(data.runtime_id);
  }

  /** Stops listening for triggers (cancels and reclaims still come), so no new attempt starts. */
  stopTaking(): void {
    for (const [runtimeId, list] of this.#subs) {
      list[0]?.unsubscribe();
      this.#subs.set(runtimeId, list.slice(1));
    }
  }

  /** Deregisters every runtime (`shutdown`); nothing is refreshed after it. */
  closeAll(): void {
    this.#closing = true;
    for (const runtimeId of [...this.#subs.keys()]) this.deregister(runtimeId, 'shutdown');
  }
}
