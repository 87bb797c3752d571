import type { Timer } from '../core/scheduler.js';
import type { ReclaimAttempts } from '../protocol/runtime-events.js';
import { vet } from '../protocol/vetted.js';
import type { DispatcherState } from './dispatcher-state.js';
import { type RuntimeEntry, serves } from './runtime-registry.js';

/**
 * The dispatcher's work stealing: notes since when each runtime has had a slot free while
 * others hold attempts beyond those they run (their prefetch), and, once one has waited
 * `stealAfterMs`, asks the holders to give held attempts back (`ReclaimAttempts`) for it.
 * What comes back is placed again by the dispatcher's result intake.
 */
export class WorkStealing {
  readonly #state: DispatcherState;
  /** Since when (epoch ms) each runtime has had a slot free, while other runtimes hold attempts. */
  readonly #idleSince = new Map<string, number>();
  #timer: Timer | undefined;
  readonly #onTimer: () => void;

  /** @param onTimer what the timer armed by {@link watchIdle} calls (the dispatcher routes it through its actor) @default steal */
  constructor(state: DispatcherState, onTimer?: () => void) {
    this.#state = state;
    this.#onTimer = onTimer ?? (() => this.steal());
  }

  get #after(): number {
    return this.#state.o.stealAfterMs ?? 20;
  }

  /**
   * For each runtime that has had a slot free for `stealAfterMs` while others hold attempts it
   * serves, asks the runtime holding the most to give back its latest-placed ones, as many as
   * there are free slots. Runs on a timer armed by {@link watchIdle}, and again when the next
   * runtime's wait is up.
   */
  steal(): void {
    // Called by hand or by the timer: either way, the one pending run is this one.
    this.#state.o.scheduler.clearTimeout(this.#timer);
    this.#timer = undefined;
    const { registry, reclaiming } = this.#state;
    const now = this.#state.now();
    const runtimes = registry.runtimes();
    const holders = runtimes
      .filter((e) => e.inFlight.size > e.concurrency)
      .sort((a, b) => b.inFlight.size - b.concurrency - (a.inFlight.size - a.concurrency));
    if (holders.length === 0) return;
    const asked = new Map<string, number>();
    for (const target of reclaiming.values()) asked.set(target, (asked.get(target) ?? 0) + 1);
    let wake = Number.POSITIVE_INFINITY;
    for (const idle of runtimes) {
      if (idle.draining) continue;
      const free = idle.concurrency - idle.inFlight.size - (asked.get(idle.runtimeId) ?? 0);
      const since = this.#idleSince.get(idle.runtimeId);
      if (free <= 0 || since === undefined) continue;
      if (now - since < this.#after) {
        wake = Math.min(wake, since + this.#after);
        continue;
      }
      this.#reclaimFor(idle, holders, free);
    }
    if (wake < Number.POSITIVE_INFINITY) this.#arm(wake - now);
  }

  /** Asks `holders`, most-holding first, for up to `free` attempts `idle` serves. */
  #reclaimFor(idle: RuntimeEntry, holders: readonly RuntimeEntry[], free: number): void {
    const { o, reclaiming } = this.#state;
    for (const holder of holders) {
      if (free <= 0) break;
      if (holder === idle) continue;
      const ids = this.#stealable(holder, idle, free);
      if (ids.length === 0) continue;
      free -= ids.length;
      for (const id of ids) reclaiming.set(id, idle.runtimeId);
      o.logger.debug(
        { from: holder.runtimeId, to: idle.runtimeId, request_ids: ids },
        'reclaiming held attempts for a runtime with a slot free',
      );
      o.bus.publish(
        o.subjects.reclaim(holder.runtimeId),
        vet<ReclaimAttempts>({ type: 'ReclaimAttempts', request_ids: ids, at: this.#state.stamp() }),
      );
    }
  }

  /** Up to `max` of the attempts `holder` holds beyond those it runs (latest placed first) that `idle` serves and nobody asked back yet. */
  #stealable(holder: RuntimeEntry, idle: RuntimeEntry, max: number): string[] {
    const { running, reclaiming } = this.#state;
    let held = holder.inFlight.size - holder.concurrency;
    const ids: string[] = [];
    const placed = [...holder.inFlight];
    for (let i = placed.length - 1; i >= 0 && held > 0 && ids.length < max; i--) {
      const id = placed[i];
      if (reclaiming.has(id)) {
        held--;
        continue;
      }
      const trigger = running.get(id);
      if (!trigger || !serves(idle, trigger.agent_id, trigger.dispatch.capability_ids)) continue;
      ids.push(id);
      held--;
    }
    return ids;
  }

  #arm(ms: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = this.#state.o.scheduler.setTimeout(this.#onTimer, Math.max(0, ms), { background: true });
  }

  /** After placements: notes which runtimes have a slot free, and arms {@link steal} when others hold attempts meanwhile. */
  watchIdle(): void {
    let holding = false;
    let idle = false;
    let now: number | undefined;
    for (const e of this.#state.registry.runtimes()) {
      if (e.inFlight.size > e.concurrency) holding = true;
      if (e.inFlight.size < e.concurrency && !e.draining) {
        idle = true;
        if (!this.#idleSince.has(e.runtimeId)) this.#idleSince.set(e.runtimeId, (now ??= this.#state.now()));
      } else this.#idleSince.delete(e.runtimeId);
    }
    if (holding && idle) this.#arm(this.#after);
  }

  /** A placement filled `entry`: a slot it frees later starts a new idle spell. */
  placed(entry: RuntimeEntry): void {
    if (this.#idleSince.size > 0 && entry.inFlight.size >= entry.concurrency) this.#idleSince.delete(entry.runtimeId);
  }

  /** A runtime left: it has no idle spell any more. */
  forget(runtimeId: string): void {
    this.#idleSince.delete(runtimeId);
  }

  close(): void {
    this.#state.o.scheduler.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
