import { type ActorRef, assign, createActor, type InspectionEvent, setup, type SnapshotFrom } from 'xstate';
import type { RuntimeView } from '../protocol/dispatcher-commands.js';
import type { Delivery } from './turn-inbox.js';

export type { RuntimeView } from '../protocol/dispatcher-commands.js';

/** Which subscription of the dispatcher a bus delivery came through. */
export type InboxKind = 'definition' | 'trigger' | 'withdraw' | 'result' | 'reclaimed' | 'runtimes' | 'drain';

/** The dispatcher actor's context, its public snapshot: kept small, rebuilt from the registry after each event. */
export interface DispatcherContext {
  /** Every registered runtime, in registration order. */
  readonly runtimes: readonly RuntimeView[];
  /** Attempts waiting for a runtime with room. */
  readonly queued: number;
}

/**
 * What any holder of the dispatcher's actor may send it. `drain`: place no new attempts on the
 * runtime (what it holds finishes, its results are taken); `undrain`: place work on it again.
 * An unknown runtime id is ignored, with a logged warning.
 */
export type DispatcherCommand =
  { readonly type: 'drain'; readonly runtime_id: string } | { readonly type: 'undrain'; readonly runtime_id: string };

/**
 * Marks the events only the dispatcher itself sends (bus deliveries, timer ticks, closing). It
 * never leaves this module, so code holding the actor cannot forge a delivery: the `own` guard
 * refuses any event without it.
 */
const OWN: unique symbol = Symbol('switchyard.dispatcher.own');

/** The events the dispatcher sends its own actor, before they are marked as its own. */
export type DispatcherInternalEvent =
  | { readonly type: 'inbox'; readonly deliveries: ReadonlyArray<Delivery<InboxKind>> }
  | { readonly type: 'sweep' }
  | { readonly type: 'steal' }
  | { readonly type: 'close' };

type OwnEvent = DispatcherInternalEvent & { readonly [OWN]: true };

/**
 * `event` marked as the dispatcher's own. Built as a literal with the mark last: an object
 * spread that copies a symbol key (`{ ...event, [OWN]: true }`) takes V8's slow path, about
 * 4.6 µs a copy against 12 ns, and the dispatcher marks one event per bus turn.
 */
function marked(event: DispatcherInternalEvent): OwnEvent {
  return event.type === 'inbox'
    ? { type: 'inbox', deliveries: event.deliveries, [OWN]: true }
    : { type: event.type, [OWN]: true };
}

/** Every event of the dispatcher machine. */
export type DispatcherEvent = DispatcherCommand | OwnEvent;

/**
 * What the machine's actions drive: the dispatcher's units, behind the dispatcher. The
 * {@link Dispatcher} implements it privately.
 */
export interface DispatcherDriver {
  /** Handles what one turn of the bus brought, in arrival order (a message may itself carry a batch). */
  deliver(deliveries: ReadonlyArray<Delivery<InboxKind>>): void;
  /** Deregisters runtimes that missed their heartbeats. */
  sweep(): void;
  /** Work stealing. */
  steal(): void;
  /** Drains (`true`) or undrains a runtime; `false` (and a logged warning) when it is unknown. */
  drain(runtimeId: string, drain: boolean): boolean;
  /** The snapshot's context, read from the registry. */
  view(): DispatcherContext;
  /** Stops timers and subscriptions. */
  close(): void;
}

/** The dispatcher as a machine: `active` handles deliveries, ticks and commands; `closed` is final. */
export function dispatcherMachine(driver: DispatcherDriver) {
  return setup({
    types: {
      context: {} as DispatcherContext,
      events: {} as DispatcherEvent,
      input: {} as DispatcherContext,
    },
    guards: {
      own: ({ event }) => OWN in event,
    },
    actions: {
      deliver: ({ event }) => {
        if (event.type === 'inbox') driver.deliver(event.deliveries);
      },
      sweep: () => driver.sweep(),
      steal: () => driver.steal(),
      drain: ({ event }) => {
        if (event.type === 'drain' || event.type === 'undrain') driver.drain(event.runtime_id, event.type === 'drain');
      },
      close: () => driver.close(),
      observe: assign(() => driver.view()),
    },
  }).createMachine({
    id: 'dispatcher',
    context: ({ input }) => input,
    initial: 'active',
    states: {
      active: {
        on: {
          inbox: { guard: 'own', actions: ['deliver', 'observe'] },
          sweep: { guard: 'own', actions: ['sweep', 'observe'] },
          steal: { guard: 'own', actions: ['steal', 'observe'] },
          drain: { actions: ['drain', 'observe'] },
          undrain: { actions: ['drain', 'observe'] },
          close: { guard: 'own', target: 'closed' },
        },
      },
      closed: { type: 'final', entry: ['close', 'observe'] },
    },
  });
}

/** The dispatcher machine's type. */
export type DispatcherMachine = ReturnType<typeof dispatcherMachine>;

/** The dispatcher's actor as its holders see it: its snapshot, and the commands they may send. */
export type DispatcherRef = ActorRef<SnapshotFrom<DispatcherMachine>, DispatcherCommand>;

/** A started dispatcher actor, and the way its dispatcher sends it its own events. */
export interface DispatcherActor {
  readonly ref: DispatcherRef;
  /**
   * Sends the dispatcher's own event: one transition per call. Raised while one of the actor's
   * actions runs (a synchronous re-entry), it is handled in place rather than queued, so
   * ordering stays that of direct calls. What the driver throws is thrown here, to the caller
   * (the bus counts and reports a handler's error); the actor itself never fails on it.
   */
  post(event: DispatcherInternalEvent): void;
  /** Whether one of the actor's actions is running: what is posted now is handled in place. */
  inside(): boolean;
}

/**
 * Starts the dispatcher's actor over `driver`.
 * @example
 * const { ref, post } = startDispatcherActor(driver);
 * post({ type: 'sweep' });
 * ref.send({ type: 'drain', runtime_id: 'rt-1' });
 */
export function startDispatcherActor(
  driver: DispatcherDriver,
  options: {
    inspect?: (event: InspectionEvent) => void;
    /** Told what the driver throws on a command sent by a holder of the actor (nobody to throw it to). */
    onError?: (error: unknown) => void;
  } = {},
): DispatcherActor {
  let depth = 0;
  let posting = false;
  let failure: { error: unknown } | undefined;
  // Every driver call the actions make runs at depth > 0. What one throws goes back to `post`'s
  // caller, or, for a holder's command, to `onError`: the actor itself never fails on it.
  const guarded = <A extends unknown[], R>(fn: (...args: A) => R, fallback: R) => {
    return (...args: A): R => {
      depth++;
      try {
        return fn(...args);
      } catch (error) {
        if (posting) failure ??= { error };
        else options.onError?.(error);
        return fallback;
      } finally {
        depth--;
      }
    };
  };
  const inner: DispatcherDriver = {
    deliver: guarded((deliveries: ReadonlyArray<Delivery<InboxKind>>) => driver.deliver(deliveries), undefined),
    sweep: guarded(() => driver.sweep(), undefined),
    steal: guarded(() => driver.steal(), undefined),
    drain: guarded((id: string, drain: boolean) => driver.drain(id, drain), false),
    view: () => driver.view(),
    close: guarded(() => driver.close(), undefined),
  };
  const actor = createActor(dispatcherMachine(inner), {
    input: driver.view(),
    ...(options.inspect ? { inspect: options.inspect } : {}),
  });
  actor.start();
  const inPlace = (event: DispatcherInternalEvent): void => {
    switch (event.type) {
      case 'inbox':
        return driver.deliver(event.deliveries);
      case 'sweep':
        return driver.sweep();
      case 'steal':
        return driver.steal();
      case 'close':
        // Closing from inside an action: after the event being handled, like any queued event.
        actor.send(marked(event));
        return;
      default:
        return event satisfies never;
    }
  };
  return {
    ref: actor,
    inside: () => depth > 0,
    post(event) {
      if (depth > 0) return inPlace(event);
      if (actor.getSnapshot().status !== 'active') return;
      posting = true;
      try {
        actor.send(marked(event));
      } finally {
        posting = false;
      }
      const thrown = failure;
      failure = undefined;
      if (thrown) throw thrown.error;
    },
  };
}
