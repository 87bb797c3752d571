import { assign, setup } from 'xstate';
import type { DispatchOptions } from './options.js';
import type { DispatchState } from './run-state.js';
import { type OutputMessage, step } from './step.js';

/** What the workflow supervisor knows: the run's state and the messages its last event produced. */
export interface WorkflowContext {
  readonly options: DispatchOptions;
  readonly state: DispatchState | undefined;
  /** The messages the last event produced, in the order to deliver them. */
  readonly outbox: readonly OutputMessage[];
}

/** Events of the supervisor: the planning agent's plan, or an agent's result. */
export type WorkflowEvent = { type: 'plan'; message: unknown } | { type: 'task_result'; message: unknown };

const runStatus = (context: WorkflowContext) => context.state?.switchyard.run.status;

/**
 * The workflow supervisor (seed 003's dispatch agent as a machine): `awaiting_plan` until a
 * plan is accepted, `running` while results come in, then `complete`, `partial` or `failed`.
 * Every event goes through {@link step}, so the machine is pure and its outbox holds exactly
 * what `step` would answer. Ended states stay alive to answer late or duplicate results with
 * `STALE_RESULT`; a refused plan leaves it awaiting one.
 *
 * @example
 * const actor = createActor(workflowMachine, { input: { options: { policy: 'strict' } } }).start();
 * actor.send({ type: 'plan', message: planMessage });
 * actor.getSnapshot().context.outbox; // the task_dispatch messages of group 1
 */
export const workflowMachine = setup({
  types: {
    context: {} as WorkflowContext,
    events: {} as WorkflowEvent,
    input: {} as { options?: DispatchOptions },
  },
  guards: {
    running: ({ context }) => runStatus(context) === 'running',
    complete: ({ context }) => runStatus(context) === 'complete',
    partial: ({ context }) => runStatus(context) === 'partial',
    failed: ({ context }) => runStatus(context) === 'failed',
  },
  actions: {
    handle: assign(({ context, event }) => {
      const answer = step(context.state, event.message, context.options);
      return { state: answer.state ?? context.state, outbox: answer.messages };
    }),
  },
}).createMachine({
  id: 'workflow',
  context: ({ input }) => ({ options: input.options ?? {}, state: undefined, outbox: [] }),
  initial: 'awaiting_plan',
  states: {
    awaiting_plan: { on: { plan: { target: 'deciding', actions: 'handle' } } },
    deciding: {
      always: [
        { guard: 'running', target: 'running' },
        { guard: 'complete', target: 'complete' },
        { guard: 'partial', target: 'partial' },
        { guard: 'failed', target: 'failed' },
        { target: 'awaiting_plan' },
      ],
    },
    running: { on: { task_result: { target: 'deciding', actions: 'handle' } } },
    complete: { on: { task_result: { actions: 'handle' } } },
    partial: { on: { task_result: { actions: 'handle' } } },
    failed: { on: { task_result: { actions: 'handle' } } },
  },
});
