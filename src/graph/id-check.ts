import { ID_RULE, idProblem } from '../protocol/ids.js';
import type { PlanInput } from './plan-input.js';
import type { ProblemList } from './problems.js';

/**
 * Adds an `invalid_id` problem (`INVALID_ID`) for every distinct bad id a plan defines — task
 * ids, the keys tasks stand under, declared ref ids, output refs — and for every table whose
 * `__proto__` key the schema dropped. Ids a plan only refers to (`depends_on`, `input_refs`,
 * group lists) must match a defined one, so checking the definitions covers them.
 * @returns whether every id is good
 */
export function checkIds(input: PlanInput, list: ProblemList): boolean {
  const before = list.problems.length + list.omitted;
  const seen = new Set<string>();
  const check = (kind: string, id: string, details: Record<string, unknown>) => {
    const problem = idProblem(id);
    if (problem === undefined || seen.has(id)) return;
    seen.add(id);
    list.add('invalid_id', `${kind} ${JSON.stringify(id)} cannot be used as an id: ${problem}. ${ID_RULE}`, {
      id,
      kind,
      ...details,
    });
  };
  for (const path of input.unsafeKeys ?? []) {
    list.add(
      'invalid_id',
      `${path} has a key "__proto__", which cannot be used as an id: it is a built-in property name of JavaScript objects. ${ID_RULE}`,
      { id: '__proto__', kind: 'key', path },
    );
  }
  input.tasks.forEach((task, i) => {
    check('Task id', task.id, { task_id: task.id });
    const key = input.taskKeys?.[i];
    if (key !== undefined && key !== task.id) check('Task key', key, { key });
    for (const ref of task.output_refs) check('Output ref', ref, { task_id: task.id, ref_id: ref });
  });
  for (const ref of input.refs) check('Ref id', ref.ref_id, { ref_id: ref.ref_id });
  return list.problems.length + list.omitted === before;
}
