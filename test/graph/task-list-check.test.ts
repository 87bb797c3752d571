import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readPlan } from '../../src/graph/plan-input.js';
import { isCheckedTaskList } from '../../src/graph/task-list-check.js';
import { parseWith } from '../../src/protocol/parse.js';
import { PlanMessageSchema, WorkflowSchema } from '../../src/protocol/plan.js';

/** Field values of every kind the schema tells apart: right, wrong, and at its edges. */
const anyValue = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    '',
    'x',
    'light',
    'medium',
    'heavy',
    'CAP-PRE-001',
    0,
    -1,
    1,
    2,
    1.5,
    2 ** 60,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    true,
  ),
  fc.constantFrom([], [''], ['CAP-PRE-001'], ['a', 'b'], ['a', 1], [null]),
  fc.jsonValue(),
);
const stringList = fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 });
/** A valid task, as a planner writes it, with some of its fields then changed, dropped or added. */
const task = fc
  .record(
    {
      id: fc.string({ minLength: 1, maxLength: 6 }),
      action: fc.string({ maxLength: 4 }),
      capability_ids: fc.array(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
      depends_on: stringList,
      input_refs: stringList,
      output_refs: stringList,
      execution_group: fc.option(fc.integer({ min: 1, max: 9 }), { nil: undefined }),
      estimated_weight: fc.option(
        fc.oneof(fc.constantFrom('light', 'medium', 'heavy'), fc.double({ min: 0.1, max: 10, noNaN: true })),
        { nil: undefined },
      ),
    },
    { noNullPrototype: true },
  )
  .chain((t) =>
    fc
      .tuple(
        fc.dictionary(
          fc.constantFrom(
            'id',
            'action',
            'capability_ids',
            'depends_on',
            'input_refs',
            'output_refs',
            'execution_group',
            'estimated_weight',
            'extra',
          ),
          anyValue,
          { maxKeys: 2 },
        ),
        fc.constantFrom('drop', 'set', 'keep', 'keep', 'keep', 'null-prototype'),
      )
      .map(([changes, how]) => {
        if (how === 'keep') return t;
        if (how === 'null-prototype') return Object.assign(Object.create(null) as object, t);
        const changed: Record<string, unknown> = { ...t };
        for (const [key, value] of Object.entries(changes)) {
          if (how === 'drop') delete changed[key];
          else changed[key] = value;
        }
        return changed;
      }),
  );
const tasks = fc.oneof(
  fc.array(task, { maxLength: 6 }),
  fc.array(task, { maxLength: 6 }).map((list) => Object.fromEntries(list.map((t, i) => [`t${i}`, t]))),
);
const message = (t: unknown) => ({
  agent: { name: 'planning_agent', type: 'operational' },
  output: { content: { workflow: { tasks: t } }, content_type: 'plan' },
});

describe('reading a plan without copying its tasks', () => {
  it('accepts in place only task lists the schema takes unchanged', () => {
    fc.assert(
      fc.property(tasks, (list) => {
        if (!isCheckedTaskList(list)) return;
        const parsed = WorkflowSchema.shape.tasks.safeParse(list);
        expect(parsed.success).toBe(true);
        expect(parsed.data).toEqual(list);
      }),
      { numRuns: 500 },
    );
  });

  it('reads every plan, checked in place or not, to what the full schema gives: the same tasks or the same error', () => {
    fc.assert(
      fc.property(tasks, fc.boolean(), (list, asMessage) => {
        const plan = asMessage ? message(list) : { tasks: list };
        const read = readPlan(plan);
        const full = asMessage
          ? parseWith(PlanMessageSchema, plan, 'plan message')
          : parseWith(WorkflowSchema, plan, 'workflow');
        expect(read.ok).toBe(full.ok);
        if (!read.ok || !full.ok) {
          expect(read.ok ? '' : read.error.message).toBe(full.ok ? '' : full.error.message);
          return;
        }
        const value = full.value as { tasks?: unknown; output?: { content: { workflow: { tasks: unknown } } } };
        const fullTasks = (value.output ? value.output.content.workflow.tasks : value.tasks) as object;
        expect(read.value.tasks).toEqual(Array.isArray(fullTasks) ? fullTasks : Object.values(fullTasks));
      }),
      { numRuns: 500 },
    );
  });

  it('uses the tasks of a well-formed plan as they are, in a list of its own', () => {
    const list = [
      {
        id: 'task_1',
        action: 'a',
        capability_ids: ['CAP-PRE-001'],
        depends_on: [],
        input_refs: [],
        output_refs: ['store_1'],
      },
      {
        id: 'task_2',
        action: 'b',
        capability_ids: ['CAP-PRE-001'],
        depends_on: ['task_1'],
        input_refs: ['store_1'],
        output_refs: [],
        execution_group: 2,
      },
    ];
    const read = readPlan(message(list));
    if (!read.ok) throw read.error;
    expect(read.value.tasks[1]).toBe(list[1]);
    expect(read.value.tasks).not.toBe(list);
    // A task a default has to complete is a copy, as before.
    const partial = readPlan(message([{ id: 'task_1', action: 'a', capability_ids: ['CAP-PRE-001'] }]));
    if (!partial.ok) throw partial.error;
    expect(partial.value.tasks[0]).toEqual({
      id: 'task_1',
      action: 'a',
      capability_ids: ['CAP-PRE-001'],
      depends_on: [],
      input_refs: [],
      output_refs: [],
    });
  });
});
