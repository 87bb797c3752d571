import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, transition } from 'xstate';
import { TASK_STATUSES, type TaskEvent, type TaskFields, taskMachine } from '../../src/index.js';
import { TASK_EVENT_TYPES, taskActions, taskGuards } from '../../src/machines/task-fields.js';
import { taskTable } from '../../src/machines/task-table.js';

const context = (attempts: number): TaskFields => ({
  attempts,
  max_attempts: 3,
  dispatched_at: 5,
  completed_at: null,
  assigned_agent: 'execution_agent',
  result_summary: null,
});

/** Events of each type, chosen so a guarded transition is tried both ways. */
const EVENTS: Record<(typeof TASK_EVENT_TYPES)[number], TaskEvent[]> = {
  READY: [{ type: 'READY' }],
  DISPATCH: [{ type: 'DISPATCH', at: 10, agent: 'reasoning_agent' }],
  SUCCEED: [{ type: 'SUCCEED', at: 20, summary: 'done' }],
  FAIL: [
    { type: 'FAIL', at: 30, recoverable: true, message: 'timeout' },
    { type: 'FAIL', at: 30, recoverable: false, message: 'corrupt file' },
  ],
  SKIP: [{ type: 'SKIP', at: 40, reason: 'Upstream dependency task_5 failed' }],
  CANCEL: [{ type: 'CANCEL', at: 50, reason: 'cancelled by the operator' }],
};

/** What the derived table says happens, computed with the shared guard and action implementations. */
function viaTable(status: number, fields: TaskFields, event: TaskEvent): { status: string; context: TaskFields } {
  const candidates = taskTable[status * TASK_EVENT_TYPES.length + TASK_EVENT_TYPES.indexOf(event.type)];
  const next = { ...fields };
  for (const t of candidates ?? []) {
    if (t.guard !== undefined && !taskGuards[t.guard](next, event)) continue;
    for (const a of t.actions) taskActions[a](next, event);
    return { status: TASK_STATUSES[t.target], context: next };
  }
  return { status: TASK_STATUSES[status], context: fields };
}

describe('the task table derived from taskMachine', () => {
  const cases: Array<[string, string, number, TaskEvent]> = [];
  TASK_STATUSES.forEach((state) => {
    for (const type of TASK_EVENT_TYPES)
      for (const event of EVENTS[type])
        for (const attempts of [1, 2, 3])
          cases.push([
            state,
            `${type}${'recoverable' in event ? (event.recoverable ? '(recoverable)' : '(fatal)') : ''}`,
            attempts,
            event,
          ]);
  });

  it.each(cases)(
    'in %s on %s with %i attempts gives what xstate.transition gives',
    (state, _label, attempts, event) => {
      const snapshot = taskMachine.resolveState({ value: state, context: context(attempts) });
      const [next] = transition(taskMachine, snapshot, event);
      const mine = viaTable(TASK_STATUSES.indexOf(state as (typeof TASK_STATUSES)[number]), context(attempts), event);
      expect(mine.status).toBe(next.value);
      expect(mine.context).toEqual(next.context);
    },
  );

  it('covers both outcomes of the retry guard', () => {
    const fail =
      taskTable[TASK_STATUSES.indexOf('in_progress') * TASK_EVENT_TYPES.length + TASK_EVENT_TYPES.indexOf('FAIL')];
    expect(fail?.map((t) => [t.guard, TASK_STATUSES[t.target]])).toEqual([
      ['canRetry', 'ready'],
      [undefined, 'failed'],
    ]);
  });

  it('ends in the same state and context as a live actor for any event sequence', () => {
    const event = fc.constantFrom(...Object.values(EVENTS).flat());
    fc.assert(
      fc.property(fc.array(event, { maxLength: 20 }), (events) => {
        const actor = createActor(taskMachine, { input: { maxAttempts: 3 } }).start();
        let status = 0;
        let fields: TaskFields = { ...actor.getSnapshot().context };
        for (const e of events) {
          if (actor.getSnapshot().status === 'done') break;
          actor.send(e);
          const mine = viaTable(status, fields, e);
          status = TASK_STATUSES.indexOf(mine.status as (typeof TASK_STATUSES)[number]);
          fields = mine.context;
        }
        expect(TASK_STATUSES[status]).toBe(actor.getSnapshot().value);
        expect(fields).toEqual(actor.getSnapshot().context);
        actor.stop();
      }),
    );
  });
});
