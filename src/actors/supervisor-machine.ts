import {
  type Actor,
  type ActorRef,
  type ActorRefFrom,
  assign,
  createActor,
  type InspectionEvent,
  type SnapshotFrom,
  setup,
} from 'xstate';
import type { Outcome } from '../core/dispatch-core.js';
import { taskMachine } from '../machines/task-machine.js';
import type { RunProgress } from './run-progress.js';
import type { Delivery } from './turn-inbox.js';

/** Marks the events only the run itself sends; a `send` from outside cannot forge them. */
const OWN: unique symbol = Symbol('switchyard.supervisor.own');

/** What the run's mailbox delivers: results, a batch of them, a placement, a handler's progress. */
export type InboxKind = 'result' | 'results' | 'placed' | 'progress';

/** Events anyone holding the run's actor may send. */
export type SupervisorCommand =
  | {
      readonly type: 'cancel';
      /** Said in the `CLOSED` error the run's result rejects with. @default 'cancelled from its actor' */
      readonly reason?: string;
    }
  | {
      /**
       * Cancels one task of the running run (see `WorkflowRun.cancelTask`). Sent to the actor, an
       * unknown or ended task cannot be answered with an error: it is logged and changes nothing.
       */
      readonly type: 'cancelTask';
      readonly taskId: string;
      /** Kept in the task's failure_log entry. @default 'cancelled from its actor' */
      readonly reason?: string;
    };

/** Events the run sends its own actor: what one turn of the bus brought is one `inbox` event, one transition. */
type OwnEvent = { readonly [OWN]: true } & (
  | { readonly type: 'restored' }
  | { readonly type: 'begin' }
  | { readonly type: 'inbox'; readonly deliveries: ReadonlyArray<Delivery<InboxKind>> }
  | { readonly type: 'lost'; readonly requestId: string; readonly outcome: Outcome }
  | { readonly type: 'ended' }
  | { readonly type: 'due'; readonly what: 'retries' | 'deadline' }
);

export type SupervisorEvent = SupervisorCommand | OwnEvent;

/**
 * What the supervisor's actions drive: the run's compiled core and the units around it
 * (workflow-run.ts). The machine decides when each may run (not before `begin`, never after the
 * end); the driver does the work.
 */
export interface SupervisorDriver {
  /** Releases the first attempts (or, after a resume, the ones a crash cut off). */
  begin(): void;
  /** Hands each delivery of the run's mailbox, in order, to the unit that reads it. */
  deliver(deliveries: ReadonlyArray<Delivery<InboxKind>>): void;
  /** An attempt failed without a result: refused, unanswered, or past its deadline. */
  lost(requestId: string, outcome: Outcome): void;
  /** Aborts what is out and rejects the run's result with `CLOSED`. */
  cancel(reason: string): void;
  /** Cancels one task: its attempt out is cancelled, it ends failed (`CANCELLED`), its dependents are skipped. */
  cancelTask(taskId: string, reason: string): void;
  /** A timer of the run came due: held retries to send, or the run's deadline. */
  due(what: 'retries' | 'deadline'): void;
  /** The counts now. */
  progress(): RunProgress;
}

export interface SupervisorInput {
  readonly runId: string;
  /** Task ids in the plan's order: with `inspect`, one live `taskMachine` child each. */
  readonly taskIds: readonly string[];
  readonly maxAttempts: number;
  readonly inspect: boolean;
}

export interface SupervisorContext {
  readonly runId: string;
  /** Task counts after the last event the supervisor handled. */
  readonly progress: RunProgress;
  /** The task lifecycles as live actors, children of this one; empty unless inspecting. */
  readonly tasks: ReadonlyArray<ActorRefFrom<typeof taskMachine>>;
  /** Why the run was cancelled, once it is. */
  readonly reason?: string;
}

/**
 * The workflow supervisor as an XState machine: `starting` until the caller has attached its
 * listeners, `running` while results come in, then `complete` or `cancelled`. Its actions drive
 * the compiled core through a {@link SupervisorDriver}; the task lifecycles stay on the core's
 * derived table (live `taskMachine` children only when inspecting), so the hot path pays one
 * transition per turn of the bus (a TurnInbox batch), not per message or task event.
 */
export function supervisorMachine(driver: SupervisorDriver) {
  return setup({
    types: {
      context: {} as SupervisorContext,
      events: {} as SupervisorEvent,
      input: {} as SupervisorInput,
    },
    actors: { task: taskMachine },
    actions: {
      count: assign({ progress: () => driver.progress() }),
    },
    guards: {
      own: ({ event }) => OWN in event,
    },
  }).createMachine({
    id: 'supervisor',
    context: ({ input, spawn }) => ({
      runId: input.runId,
      progress: driver.progress(),
      tasks: input.inspect
        ? input.taskIds.map((id) => spawn('task', { id, input: { maxAttempts: input.maxAttempts } }))
        : [],
    }),
    initial: 'starting',
    on: {
      cancel: {
        target: '.cancelled',
        actions: [
          ({ event }) => driver.cancel(event.reason ?? 'cancelled from its actor'),
          assign({ reason: ({ event }) => event.reason ?? 'cancelled from its actor' }),
          'count',
        ],
      },
    },
    states: {
      starting: {
        on: {
          // The core is built (or rebuilt from the journal) after the actor starts: read its counts.
          restored: { guard: 'own', actions: 'count' },
          begin: { guard: 'own', target: 'running', actions: [() => driver.begin(), 'count'] },
        },
      },
      running: {
        on: {
          // Sent by the run as it completes (from inside one of these actions, so it comes next):
          // a transition, not an eventless check after every event, which cost a microsecond each.
          ended: { guard: 'own', target: 'complete', actions: 'count' },
          inbox: {
            guard: 'own',
            actions: [({ event }) => driver.deliver(event.deliveries), 'count'],
          },
          lost: {
            guard: 'own',
            actions: [({ event }) => driver.lost(event.requestId, event.outcome), 'count'],
          },
          due: { guard: 'own', actions: [({ event }) => driver.due(event.what), 'count'] },
          cancelTask: {
            actions: [
              ({ event }) => driver.cancelTask(event.taskId, event.reason ?? 'cancelled from its actor'),
              'count',
            ],
          },
        },
      },
      complete: { type: 'final' },
      cancelled: { type: 'final' },
    },
  });
}

export type SupervisorMachine = ReturnType<typeof supervisorMachine>;
export type SupervisorSnapshot = SnapshotFrom<SupervisorMachine>;

/** The run's supervisor as code outside the run may hold it: watch it, read it, cancel it or one of its tasks. */
export type SupervisorRef = ActorRef<SupervisorSnapshot, SupervisorCommand>;

/** The events the run sends its own actor (the mark last: a literal with its symbol key first is slower to build). */
export const own = {
  restored: (): OwnEvent => ({ type: 'restored', [OWN]: true }),
  begin: (): OwnEvent => ({ type: 'begin', [OWN]: true }),
  inbox: (deliveries: ReadonlyArray<Delivery<InboxKind>>): OwnEvent => ({ type: 'inbox', deliveries, [OWN]: true }),
  lost: (requestId: string, outcome: Outcome): OwnEvent => ({ type: 'lost', requestId, outcome, [OWN]: true }),
  ended: (): OwnEvent => ({ type: 'ended', [OWN]: true }),
  due: (what: 'retries' | 'deadline'): OwnEvent => ({ type: 'due', what, [OWN]: true }),
};

/**
 * Creates and starts a run's supervisor actor (id and system id: the run's id). With `inspect`,
 * the inspector sees it and its task children; it is started at once so those children can
 * take the core's task events while the core is built.
 */
export function startSupervisor(
  driver: SupervisorDriver,
  run: {
    runId: string;
    taskIds: readonly string[];
    maxAttempts: number;
    inspect: ((event: InspectionEvent) => void) | undefined;
  },
): Actor<SupervisorMachine> {
  const { runId, taskIds, maxAttempts, inspect } = run;
  return createActor(supervisorMachine(driver), {
    id: runId,
    systemId: runId,
    input: { runId, taskIds, maxAttempts, inspect: inspect !== undefined },
    ...(inspect ? { inspect } : {}),
  }).start();
}
