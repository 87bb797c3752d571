import type { Subscription } from '../bus/bus.js';
import type { DispatcherOptions } from './dispatcher-options.js';
import { DispatcherState } from './dispatcher-state.js';
import { DispatcherResultIntake } from './dispatcher-result-intake.js';
import type { RuntimeRegistry } from './runtime-registry.js';
import { RuntimeLiveness } from './runtime-liveness.js';
import { TriggerPlacement } from './trigger-placement.js';
import { WorkStealing } from './work-stealing.js';

export type { DispatcherOptions } from './dispatcher-options.js';

/**
 * The dispatcher actor (seeds 000/001): keeps the registry of agent runtimes from their
 * registration, deregistration and heartbeat events; answers each `TriggerAgent` request by
 * handing it to the least-loaded live runtime that serves the agent and every capability
 * (`TriggerAccepted`), by queueing it until one has room, or — when no registered runtime
 * serves it at all — at once with `AgentDispatchFailed`, also published for the state manager.
 * Runtimes that stop heartbeating are deregistered as defunct, and their attempts reported
 * as recoverable `RUNTIME_LOST` failures so they are retried elsewhere.
 *
 * A facade over its units, which share one {@link DispatcherState}: {@link RuntimeLiveness}
 * (registrations, heartbeats, the sweep), {@link TriggerPlacement} (taking, queueing and
 * handing out triggers), {@link WorkStealing} (held attempts moved to idle runtimes) and
 * {@link DispatcherResultIntake} (results and given-back attempts).
 *
 * @example
 * const dispatcher = new Dispatcher({ bus, subjects: subjects(), logger, scheduler: systemScheduler });
 */
export class Dispatcher {
  readonly registry: RuntimeRegistry;
  readonly #state: DispatcherState;
  readonly #stealing: WorkStealing;
  readonly #liveness: RuntimeLiveness;
  readonly #subs: Subscription[] = [];

  constructor(options: DispatcherOptions) {
    const state = new DispatcherState(options);
    this.#state = state;
    this.registry = state.registry;
    this.#stealing = new WorkStealing(state);
    const placement = new TriggerPlacement(state, this.#stealing);
    const intake = new DispatcherResultIntake(state, placement);
    const { bus, subjects } = options;
    // Subscribed before liveness starts: its announcement asks for registrations this must hear.
    const subscribe = (pattern: string, handler: Parameters<typeof bus.subscribe>[1]) =>
      this.#subs.push(bus.subscribe(pattern, handler));
    subscribe(subjects.patterns.runtimeDefinitions(), (m) => this.#liveness.onDefinition(m));
    subscribe(subjects.patterns.triggers(), (m) => placement.onTrigger(m));
    subscribe(subjects.patterns.withdrawals(), (m) => placement.onWithdraw(m));
    subscribe(subjects.patterns.results(), (m) => intake.onResult(m));
    subscribe(subjects.patterns.resultBatches(), (m) => intake.onResult(m));
    subscribe(subjects.patterns.reclaimed(), (m) => intake.onReclaimed(m));
    this.#liveness = new RuntimeLiveness(state, placement, this.#stealing);
  }

  /** Whether `runtimeId` is one of this process's own worker runtimes (it registered through a message this process built). */
  hosts(runtimeId: string): boolean {
    return this.#state.hosted.has(runtimeId);
  }

  /** Attempts waiting for a runtime with room. */
  get queued(): number {
    return this.#state.waiting.size;
  }

  /**
   * Cancels, on their runtimes, the attempts from before this dispatcher that `staleAttempt`
   * says nobody wants any more (call it when a run is resumed; registrations call it too).
   */
  cancelStale(): void {
    this.#liveness.cancelStale();
  }

  /**
   * Deregisters runtimes that missed their heartbeats (also run on a timer, every `sweepMs`).
   *
   * Silence is judged in the time this dispatcher could observe. When a sweep runs late — its
   * own event loop was busy (a large submit, a long GC, a loaded machine) — the heartbeats that
   * came meanwhile wait, unread, behind it: the timer runs before the messages queued during the
   * stall are handled. So a sweep that runs late by L credits L to every runtime (as if each had
   * been seen L later), and one late by more than half an interval expires nothing: runtimes
   * are judged by the next sweep, which runs after the waiting messages were read — whether it
   * is late or not, so on a machine loaded enough to make every sweep late, every other one
   * still judges. A runtime that really stopped is still found, one stall later.
   */
  sweep(): void {
    this.#liveness.sweep();
  }

  /**
   * Work stealing (also run on a timer): for each runtime that has had a slot free for
   * `stealAfterMs` while others hold attempts it serves, asks the runtime holding the most to
   * give back its latest-placed ones, as many as there are free slots. What it gives back
   * (`AttemptsReclaimed`; what it has started meanwhile runs on there) is placed again.
   */
  steal(): void {
    this.#stealing.steal();
  }

  close(): void {
    this.#stealing.close();
    this.#liveness.close();
    for (const s of this.#subs) s.unsubscribe();
  }
}
