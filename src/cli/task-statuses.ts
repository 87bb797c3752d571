import { z } from 'zod';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { type TaskStatus, TaskStatusSchema } from '../protocol/workflow-state.js';

const StatusMap = z.record(z.string(), TaskStatusSchema);
const WithStatus = z.record(z.string(), z.looseObject({ status: TaskStatusSchema }));

function get(value: unknown, path: readonly string[]): unknown {
  let at = value;
  for (const key of path) {
    if (typeof at !== 'object' || at === null) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** Where task statuses may stand in the JSON documents Switchyard reads or writes. */
const LOCATIONS: ReadonlyArray<readonly string[]> = [
  ['task_states'],
  ['workflow_state', 'task_states'],
  ['state', 'workflow_state', 'task_states'],
  ['state', 'task_states'],
  ['metadata', 'workflow_state', 'task_states'],
  ['output', 'content', 'workflow_result', 'task_results'],
  ['workflow_result', 'task_results'],
  ['task_results'],
];

/**
 * Task statuses from a `workflow_state`, a `step` output, a `workflow_complete` message or a
 * plain `{ task_id: status }` map. Anything else is `INVALID_INPUT` saying what was expected.
 */
export function taskStatuses(value: unknown, source: string): Record<string, TaskStatus> {
  for (const path of LOCATIONS) {
    const parsed = WithStatus.safeParse(get(value, path));
    if (parsed.success) return Object.fromEntries(Object.entries(parsed.data).map(([id, s]) => [id, s.status]));
  }
  const plain = StatusMap.safeParse(value);
  if (plain.success) return plain.data;
  throw new SwitchyardError(
    ErrorCodes.INVALID_INPUT,
    `${source} holds no task statuses: give a workflow_state (task_states), a step output, a workflow_complete message or a { "task_id": "status" } map, with statuses among ${TaskStatusSchema.options.join(', ')}.`,
    { source },
  );
}
