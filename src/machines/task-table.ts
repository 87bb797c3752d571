import type { TaskStatus } from '../protocol/workflow-state.js';
import {
  TASK_EVENT_TYPES,
  type TaskActionName,
  type TaskEventType,
  type TaskGuardName,
  taskActions,
  taskGuards,
} from './task-fields.js';
import { taskMachine } from './task-machine.js';

/** Task statuses in the order the compact arrays number them. */
export const TASK_STATUSES = [
  'pending',
  'ready',
  'in_progress',
  'complete',
  'failed',
  'skipped',
] as const satisfies readonly TaskStatus[];

/** Numeric status codes (`S.pending` = 0, …), as the compact arrays hold them. */
export const S = Object.fromEntries(TASK_STATUSES.map((s, i) => [s, i])) as { readonly [K in TaskStatus]: number };

/** Numeric event codes, as the compact table indexes them. */
export const E = Object.fromEntries(TASK_EVENT_TYPES.map((e, i) => [e, i])) as {
  readonly [K in TaskEventType]: number;
};

/** One way a (state, event) pair can go: taken when its guard (if any) holds. */
export interface TaskTransition {
  readonly guard: TaskGuardName | undefined;
  /** Target status code. */
  readonly target: number;
  readonly actions: readonly TaskActionName[];
}

interface TransitionConfig {
  target?: string;
  guard?: string;
  actions?: string | readonly string[];
}

function candidates(config: unknown): TransitionConfig[] {
  if (config === undefined) return [];
  if (typeof config === 'string') return [{ target: config }];
  return (Array.isArray(config) ? config : [config]) as TransitionConfig[];
}

function statusCode(name: string | undefined, from: string): number {
  const code = TASK_STATUSES.indexOf((name ?? from) as TaskStatus);
  if (code < 0) throw new Error(`taskMachine targets unknown state ${String(name)}`);
  return code;
}

/**
 * The compact transition table of {@link taskMachine}, read from its definition when this
 * module loads: `table[status * EVENTS + event]` lists the candidate transitions in order,
 * or is `undefined` where the state ignores the event. A test checks every entry against
 * `xstate.transition`, so the machine stays the single source of truth.
 */
export const taskTable: ReadonlyArray<readonly TaskTransition[] | undefined> = (() => {
  const states = (taskMachine.config.states ?? {}) as Record<string, { on?: Record<string, unknown> }>;
  const table: Array<TaskTransition[] | undefined> = new Array(TASK_STATUSES.length * TASK_EVENT_TYPES.length).fill(
    undefined,
  );
  for (const [state, node] of Object.entries(states)) {
    const from = statusCode(state, state);
    for (const [event, config] of Object.entries(node.on ?? {})) {
      const e = TASK_EVENT_TYPES.indexOf(event as TaskEventType);
      if (e < 0) throw new Error(`taskMachine handles unknown event ${event}`);
      table[from * TASK_EVENT_TYPES.length + e] = candidates(config).map((c) => {
        const actions = (typeof c.actions === 'string' ? [c.actions] : (c.actions ?? [])) as TaskActionName[];
        for (const a of actions) if (!(a in taskActions)) throw new Error(`taskMachine uses unknown action ${a}`);
        if (c.guard !== undefined && !(c.guard in taskGuards))
          throw new Error(`taskMachine uses unknown guard ${c.guard}`);
        return { guard: c.guard as TaskGuardName | undefined, target: statusCode(c.target, state), actions };
      });
    }
  }
  return table;
})();

/** The candidate transitions for `status` on `event`, or `undefined` if the state ignores it. */
export function transitionsOf(status: number, event: number): readonly TaskTransition[] | undefined {
  return taskTable[status * TASK_EVENT_TYPES.length + event];
}
