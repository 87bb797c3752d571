import type { BusMessage, Subscription } from '../bus/bus.js';
import {
  type DrainAccepted,
  DrainRuntimeSchema,
  ListRuntimesSchema,
  type RuntimeList,
  type RuntimeView,
} from '../protocol/dispatcher-commands.js';
import { ErrorCodes } from '../protocol/errors.js';
import { parseWith } from '../protocol/parse.js';
import {
  type DispatcherContext,
  type DispatcherDriver,
  type DispatcherInternalEvent,
  type DispatcherRef,
  type InboxKind,
  startDispatcherActor,
} from './dispatcher-machine.js';
import type { DispatcherOptions } from './dispatcher-options.js';
import { DispatcherState } from './dispatcher-state.js';
import { DispatcherResultIntake } from './dispatcher-result-intake.js';
import type { RuntimeEntry, RuntimeRegistry } from './runtime-registry.js';
import { RuntimeLiveness } from './runtime-liveness.js';
import { TriggerPlacement } from './trigger-placement.js';
import { TurnInbox } from './turn-inbox.js';
import { WorkStealing } from './work-stealing.js';

export type { DispatcherOptions } from './dispatcher-options.js';
export type { DispatcherCommand, DispatcherRef } from './dispatcher-machine.js';

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
 * It runs as an XState actor ({@link dispatcherMachine}): what one turn of the bus brings it is one event ({@link TurnInbox}),
 * as are the timer ticks of the sweep and of work stealing. Its snapshot shows the registered
 * runtimes and how many attempts wait; any holder of {@link actor} may `drain` or `undrain` a
 * runtime, and so may a bus request on `<p>.commands.dispatcher.drain` ({@link dispatcherClient}).
 *
 * @example
 * const dispatcher = new Dispatcher({ bus, subjects: subjects(), logger, scheduler: systemScheduler });
 */
export class Dispatcher {
  readonly registry: RuntimeRegistry;
  readonly #state: DispatcherState;
  readonly #stealing: WorkStealing;
  readonly #liveness: RuntimeLiveness;
  readonly #placement: TriggerPlacement;
  readonly #intake: DispatcherResultIntake;
  readonly #subs: Subscription[] = [];
  readonly #post: (event: DispatcherInternalEvent) => void;
  readonly #ref: DispatcherRef;
  /** The last view handed to the actor ({@link #observed}). */
  #last: DispatcherContext | undefined;

  constructor(options: DispatcherOptions) {
    const state = new DispatcherState(options);
    this.#state = state;
    this.registry = state.registry;
    this.#stealing = new WorkStealing(state, () => this.#post({ type: 'steal' }));
    this.#placement = new TriggerPlacement(state, this.#stealing);
    this.#intake = new DispatcherResultIntake(state, this.#placement);
    const actor = startDispatcherActor(this.#driver, {
      ...(options.inspect ? { inspect: options.inspect } : {}),
      onError: (error) => options.logger.error({ err: error }, 'a dispatcher command failed'),
    });
    this.#ref = actor.ref;
    const { bus, subjects } = options;
    const inbox = new TurnInbox<InboxKind>(bus, (deliveries) => actor.post({ type: 'inbox', deliveries }));
    // Its own events come after every delivery that arrived before them.
    this.#post = (event) => {
      inbox.flush();
      actor.post(event);
    };
    // Subscribed before liveness starts: its announcement asks for registrations this must hear.
    // Raised inside one of the actor's actions (a synchronous re-entry) a delivery is handled in place, unless earlier ones wait.
    const subscribe = (pattern: string, kind: InboxKind) =>
      this.#subs.push(
        bus.subscribe(pattern, (message) =>
          actor.inside() && inbox.empty
            ? actor.post({ type: 'inbox', deliveries: [{ kind, message }] })
            : inbox.push(kind, message),
        ),
      );
    subscribe(subjects.patterns.runtimeDefinitions(), 'definition');
    subscribe(subjects.patterns.triggers(), 'trigger');
    subscribe(subjects.patterns.withdrawals(), 'withdraw');
    subscribe(subjects.patterns.results(), 'result');
    subscribe(subjects.patterns.resultBatches(), 'result');
    subscribe(subjects.patterns.reclaimed(), 'reclaimed');
    subscribe(subjects.dispatcherRuntimes(), 'runtimes');
    subscribe(subjects.dispatcherDrain(), 'drain');
    this.#liveness = new RuntimeLiveness(state, this.#placement, this.#stealing, () => this.#post({ type: 'sweep' }));
  }

  /**
   * The dispatcher's actor: its snapshot's context is `{ runtimes, queued }` (each runtime with
   * its agents, capacity, concurrency, attempts in flight and whether it is draining); send it
   * `{ type: 'drain', runtime_id }` or `{ type: 'undrain', runtime_id }`.
   */
  get actor(): DispatcherRef {
    return this.#ref;
  }

  /** What the actor's actions drive: private, so only the actor reaches the units through it. */
  readonly #driver: DispatcherDriver = {
    deliver: (deliveries) => {
      // One that throws is logged, and the rest of the turn's deliveries are still handled.
      for (const { kind, message } of deliveries) {
        try {
          this.#deliver(kind, message);
        } catch (error) {
          this.#state.o.logger.error({ err: error, subject: message.subject }, 'a delivery to the dispatcher failed');
        }
      }
    },
    sweep: () => this.#liveness.sweep(),
    steal: () => this.#stealing.steal(),
    drain: (runtimeId, drain) => this.#drain(runtimeId, drain),
    view: () => this.#observed(),
    close: () => {
      this.#stealing.close();
      this.#liveness.close();
      for (const s of this.#subs) s.unsubscribe();
    },
  };

  #deliver(kind: InboxKind, message: BusMessage): void {
    switch (kind) {
      case 'definition':
        return this.#liveness.onDefinition(message);
      case 'trigger':
        return this.#placement.onTrigger(message);
      case 'withdraw':
        return this.#placement.onWithdraw(message);
      case 'result':
        return this.#intake.onResult(message);
      case 'reclaimed':
        return this.#intake.onReclaimed(message);
      case 'runtimes':
        return this.#answerRuntimes(message);
      case 'drain':
        return this.#answerDrain(message);
      default:
        return kind satisfies never;
    }
  }

  /** Drains or undrains a runtime; `false`, with a warning, when none by that id is registered. */
  #drain(runtimeId: string, drain: boolean): boolean {
    if (!this.registry.setDraining(runtimeId, drain)) {
      this.#state.o.logger.warn(
        { runtime_id: runtimeId },
        `${drain ? 'drain' : 'undrain'} ignored: no runtime ${runtimeId} is registered`,
      );
      return false;
    }
    this.#state.o.logger.info({ runtime_id: runtimeId }, drain ? 'runtime draining' : 'runtime undrained');
    // Undrained, it takes what waits; drained, it is no longer idle for work stealing.
    this.#placement.drain();
    return true;
  }

  /**
   * The view the actor's snapshot shows after each event: the last one again while nothing in it
   * changed, and each runtime's entry kept while its own fields did not, so a transition that
   * moved nothing the snapshot shows allocates no view.
   */
  #observed(): DispatcherContext {
    const last = this.#last;
    const queued = this.#state.waiting.size;
    let runtimes: RuntimeView[] | undefined;
    let i = 0;
    for (const e of this.registry.entries()) {
      const was = last?.runtimes[i];
      const same =
        was !== undefined &&
        was.runtime_id === e.runtimeId &&
        was.agents === e.agents &&
        was.capacity === e.capacity &&
        was.concurrency === e.concurrency &&
        was.in_flight === e.inFlight.size &&
        was.draining === e.draining;
      if (!same && runtimes === undefined) runtimes = last ? last.runtimes.slice(0, i) : [];
      if (runtimes) runtimes.push(same ? was : runtimeView(e));
      i++;
    }
    if (last && runtimes === undefined && i === last.runtimes.length && last.queued === queued) return last;
    this.#last = { runtimes: runtimes ?? (last ? last.runtimes.slice(0, i) : []), queued };
    return this.#last;
  }

  #view(): DispatcherContext & { runtimes: RuntimeView[] } {
    const runtimes: RuntimeView[] = [];
    for (const e of this.registry.entries()) runtimes.push(runtimeView(e));
    return { runtimes, queued: this.#state.waiting.size };
  }

  #answerRuntimes(message: BusMessage): void {
    const parsed = parseWith(ListRuntimesSchema, message.data, 'ListRuntimes');
    if (!parsed.ok) return this.#state.refuse(message, ErrorCodes.INVALID_INPUT, parsed.error.message);
    const { runtimes, queued } = this.#view();
    this.#state.o.bus.respond(message, { type: 'RuntimeList', runtimes, queued } satisfies RuntimeList);
  }

  #answerDrain(message: BusMessage): void {
    const parsed = parseWith(DrainRuntimeSchema, message.data, 'DrainRuntime');
    if (!parsed.ok) return this.#state.refuse(message, ErrorCodes.INVALID_INPUT, parsed.error.message);
    const { runtime_id, drain } = parsed.value;
    if (!this.#drain(runtime_id, drain))
      return this.#state.o.bus.respond(message, {
        type: 'Error',
        code: ErrorCodes.RUNTIME_NOT_FOUND,
        message: `No runtime ${runtime_id} is registered with the dispatcher, so it cannot be ${drain ? 'drained' : 'undrained'}; list the registered runtimes (ListRuntimes) for their ids.`,
      });
    this.#state.o.bus.respond(message, { type: 'DrainAccepted', runtime_id, draining: drain } satisfies DrainAccepted);
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
    this.#post({ type: 'sweep' });
  }

  /**
   * Work stealing (also run on a timer): for each runtime that has had a slot free for
   * `stealAfterMs` while others hold attempts it serves, asks the runtime holding the most to
   * give back its latest-placed ones, as many as there are free slots. What it gives back
   * (`AttemptsReclaimed`; what it has started meanwhile runs on there) is placed again.
   */
  steal(): void {
    this.#post({ type: 'steal' });
  }

  /** Stops the timers and subscriptions; the actor reaches its final state, `closed`. */
  close(): void {
    this.#post({ type: 'close' });
  }
}

/** What the dispatcher's snapshot and `RuntimeList` show of one registered runtime. */
function runtimeView(e: RuntimeEntry): RuntimeView {
  return {
    runtime_id: e.runtimeId,
    agents: e.agents,
    capacity: e.capacity,
    concurrency: e.concurrency,
    in_flight: e.inFlight.size,
    draining: e.draining,
  };
}
