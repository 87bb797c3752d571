import { servesAll } from '../protocol/capabilities.js';
import type { AgentRuntimeRegistered } from '../protocol/runtime-events.js';

/** What the dispatcher knows about one registered runtime. */
export interface RuntimeEntry {
  readonly runtimeId: string;
  readonly agents: AgentRuntimeRegistered['agents'];
  readonly capacity: number;
  /** Attempts it runs at once; the rest of `capacity` it holds until one ends. */
  readonly concurrency: number;
  readonly heartbeatMs: number;
  /** Where it takes `TriggerAgent` commands. */
  readonly subjects: readonly string[];
  lastSeen: number;
  /** Request ids of the attempts it holds. */
  readonly inFlight: Set<string>;
  /**
   * Drained by an operator (`drain`): it gets no new attempts — placement and work stealing pass
   * it over — but stays registered, finishes what it holds and has its results taken.
   */
  draining: boolean;
}

/** Whether a runtime serves `agentId` for every capability of a task. */
export function serves(entry: RuntimeEntry, agentId: string, capabilities: readonly string[]): boolean {
  return entry.agents.some((a) => a.agent_id === agentId && servesAll(a.capabilities, capabilities));
}

/**
 * The dispatcher's registry of agent runtimes (seeds 000/001): registration, heartbeats,
 * least-loaded selection, and expiry of runtimes that stop heartbeating. Pure: time is passed in.
 */
export class RuntimeRegistry {
  readonly #entries = new Map<string, RuntimeEntry>();
  readonly #owner = new Map<string, string>();
  readonly #missedBeats: number;
  readonly #defaultHeartbeatMs: number;

  /**
   * @param missedBeats heartbeats a runtime may miss before it is defunct @default 3
   * @param defaultHeartbeatMs interval assumed when a registration does not state one @default 1000
   */
  constructor(missedBeats = 3, defaultHeartbeatMs = 1000) {
    this.#missedBeats = missedBeats;
    this.#defaultHeartbeatMs = defaultHeartbeatMs;
  }

  /**
   * Adds or replaces a runtime. A replaced runtime's in-flight attempts are returned (they are
   * lost) — except, on a refreshing registration (one with `in_flight`), those it lists and
   * those `pending` says are still on their way to it. What it lists that this registry did not
   * know (attempts another dispatcher gave it, before this one started) counts against its
   * capacity too, until their results come; those are returned as `adopted`.
   */
  register(
    event: AgentRuntimeRegistered,
    now: number,
    pending: (requestId: string) => boolean = () => false,
  ): { lost: string[]; adopted: string[] } {
    const replaced = this.deregister(event.runtime_id);
    const previous = replaced?.inFlight ?? new Set<string>();
    const refresh = event.in_flight !== undefined;
    const still = new Set(event.in_flight ?? []);
    const stays = (id: string) => refresh && (still.has(id) || pending(id));
    const kept = [...previous].filter(stays);
    const lost = [...previous].filter((id) => !stays(id));
    const adopted = [...still].filter((id) => !previous.has(id) && !this.#owner.has(id));
    this.#entries.set(event.runtime_id, {
      runtimeId: event.runtime_id,
      agents: event.agents,
      capacity: event.capacity,
      concurrency: Math.min(event.concurrency ?? event.capacity, event.capacity),
      heartbeatMs: event.heartbeat_interval_ms ?? this.#defaultHeartbeatMs,
      subjects: event.subjects ?? [],
      lastSeen: now,
      inFlight: new Set(),
      // A registration that refreshes a drained runtime keeps it drained; a deregistration ends the drain.
      draining: replaced?.draining ?? false,
    });
    for (const id of [...kept, ...adopted]) this.claim(event.runtime_id, id);
    return { lost, adopted };
  }

  /** Counts every runtime as just seen (after the dispatcher itself was cut off from them). */
  touchAll(now: number): void {
    for (const e of this.#entries.values()) e.lastSeen = now;
  }

  /** Removes a runtime and returns it (with the attempts it still held). */
  deregister(runtimeId: string): RuntimeEntry | undefined {
    const entry = this.#entries.get(runtimeId);
    if (!entry) return undefined;
    this.#entries.delete(runtimeId);
    for (const id of entry.inFlight) this.#owner.delete(id);
    return entry;
  }

  /** Records a heartbeat; `false` when the runtime is unknown (it should register again). */
  heartbeat(runtimeId: string, now: number): boolean {
    const entry = this.#entries.get(runtimeId);
    if (!entry) return false;
    entry.lastSeen = now;
    return true;
  }

  get(runtimeId: string): RuntimeEntry | undefined {
    return this.#entries.get(runtimeId);
  }

  runtimes(): RuntimeEntry[] {
    return [...this.#entries.values()];
  }

  /** The registered runtimes in registration order, without copying them out (do not register or deregister while iterating). */
  entries(): IterableIterator<RuntimeEntry> {
    return this.#entries.values();
  }

  /**
   * Drains (`true`) or undrains a runtime: a draining one is passed over by {@link pick}.
   * `false` when no runtime `runtimeId` is registered.
   */
  setDraining(runtimeId: string, draining: boolean): boolean {
    const entry = this.#entries.get(runtimeId);
    if (!entry) return false;
    entry.draining = draining;
    return true;
  }

  /** Whether any registered runtime serves the agent for these capabilities (free, busy or draining). */
  anyServes(agentId: string, capabilities: readonly string[]): boolean {
    for (const e of this.#entries.values()) if (serves(e, agentId, capabilities)) return true;
    return false;
  }

  /**
   * The least-loaded runtime with room, not draining, that serves the agent for every capability: one that
   * would start the attempt at once before one that would hold it, then lowest in-flight /
   * capacity, then fewest in flight, then runtime id (so the choice is deterministic).
   */
  pick(agentId: string, capabilities: readonly string[]): RuntimeEntry | undefined {
    let best: RuntimeEntry | undefined;
    for (const e of this.#entries.values()) {
      if (e.draining || e.inFlight.size >= e.capacity || !serves(e, agentId, capabilities)) continue;
      if (!best) {
        best = e;
        continue;
      }
      const holds = e.inFlight.size >= e.concurrency;
      if (holds !== best.inFlight.size >= best.concurrency) {
        if (!holds) best = e;
        continue;
      }
      const load = e.inFlight.size / e.capacity - best.inFlight.size / best.capacity;
      if (
        load < 0 ||
        (load === 0 &&
          (e.inFlight.size < best.inFlight.size ||
            (e.inFlight.size === best.inFlight.size && e.runtimeId < best.runtimeId)))
      )
        best = e;
    }
    return best;
  }

  /**
   * Rounds of its running attempts an attempt placed on `entry` now (before it is claimed)
   * waits for before it starts: 0 while a slot to run it is free.
   */
  roundsAhead(entry: RuntimeEntry): number {
    return Math.floor(entry.inFlight.size / entry.concurrency);
  }

  /** The runtime an attempt was placed on, if it is still there. */
  owner(requestId: string): string | undefined {
    return this.#owner.get(requestId);
  }

  /** Notes that `requestId` runs on `runtimeId`. */
  claim(runtimeId: string, requestId: string): void {
    const entry = this.#entries.get(runtimeId);
    if (!entry) return;
    entry.inFlight.add(requestId);
    this.#owner.set(requestId, runtimeId);
  }

  /** Frees the slot of a finished attempt; returns the runtime that held it. */
  release(requestId: string): string | undefined {
    const runtimeId = this.#owner.get(requestId);
    if (runtimeId === undefined) return undefined;
    this.#owner.delete(requestId);
    this.#entries.get(runtimeId)?.inFlight.delete(requestId);
    return runtimeId;
  }

  /**
   * Moves every runtime's last-seen time `ms` later (never past `now`): silence the dispatcher
   * could not observe, its own event loop being busy while their heartbeats waited unread.
   */
  credit(ms: number, now: number): void {
    for (const e of this.#entries.values()) e.lastSeen = Math.min(now, e.lastSeen + ms);
  }

  /** Removes and returns the runtimes that missed `missedBeats` heartbeats by `now`. */
  expire(now: number): RuntimeEntry[] {
    const gone: RuntimeEntry[] = [];
    for (const e of this.#entries.values()) if (now - e.lastSeen > e.heartbeatMs * this.#missedBeats) gone.push(e);
    for (const e of gone) this.deregister(e.runtimeId);
    return gone;
  }
}
