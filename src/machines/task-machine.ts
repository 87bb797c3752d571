import { assign, setup } from 'xstate';
import { type TaskActionName, taskActions, type TaskEvent, type TaskFields, taskGuards } from './task-fields.js';

/** Input of a task actor: how many attempts it may make. */
export interface TaskMachineInput {
  maxAttempts: number;
}

/** The context after action `name`, computed by the shared implementation on a copy. */
function applied(name: TaskActionName, context: TaskFields, event: TaskEvent): TaskFields {
  const next = { ...context };
  taskActions[name](next, event);
  return next;
}

/**
 * The lifecycle of one task (seed 003): `pending → ready → in_progress → complete | failed |
 * skipped`. A recoverable failure with attempts left goes back to `ready`, to be dispatched
 * again as the next attempt. `CANCEL` (a run's `cancelTask`) ends a task that has not ended as
 * `failed`, from any state. This machine is the model of record: the dispatch core runs a
 * table derived from it (`taskTable`), and the Stately inspector shows it.
 *
 * @example
 * const actor = createActor(taskMachine, { input: { maxAttempts: 3 } }).start();
 * actor.send({ type: 'READY' });
 * actor.send({ type: 'DISPATCH', at: 0, agent: 'execution_agent' });
 */
export const taskMachine = setup({
  types: {
    context: {} as TaskFields,
    events: {} as TaskEvent,
    input: {} as TaskMachineInput,
  },
  guards: {
    canRetry: ({ context, event }) => taskGuards.canRetry(context, event),
  },
  actions: {
    countAttempt: assign(({ context, event }) => applied('countAttempt', context, event)),
    stampDispatch: assign(({ context, event }) => applied('stampDispatch', context, event)),
    stampCompletion: assign(({ context, event }) => applied('stampCompletion', context, event)),
    stampFailure: assign(({ context, event }) => applied('stampFailure', context, event)),
    stampSkip: assign(({ context, event }) => applied('stampSkip', context, event)),
    stampCancel: assign(({ context, event }) => applied('stampCancel', context, event)),
  },
}).createMachine({
  id: 'task',
  initial: 'pending',
  context: ({ input }) => ({
    attempts: 0,
    max_attempts: input.maxAttempts,
    dispatched_at: null,
    completed_at: null,
    assigned_agent: null,
    result_summary: null,
  }),
  states: {
    pending: {
      on: {
        READY: { target: 'ready' },
        SKIP: { target: 'skipped', actions: ['stampSkip'] },
        CANCEL: { target: 'failed', actions: ['stampCancel'] },
      },
    },
    ready: {
      on: {
        DISPATCH: { target: 'in_progress', actions: ['countAttempt', 'stampDispatch'] },
        SKIP: { target: 'skipped', actions: ['stampSkip'] },
        CANCEL: { target: 'failed', actions: ['stampCancel'] },
      },
    },
    in_progress: {
      on: {
        SUCCEED: { target: 'complete', actions: ['stampCompletion'] },
        FAIL: [
          { guard: 'canRetry', target: 'ready', actions: ['stampFailure'] },
          { target: 'failed', actions: ['stampFailure'] },
        ],
        CANCEL: { target: 'failed', actions: ['stampCancel'] },
      },
    },
    complete: { type: 'final' },
    failed: { type: 'final' },
    skipped: { type: 'final' },
  },
});
