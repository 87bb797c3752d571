import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DispatchState,
  ErrorMessageSchema,
  type OutputMessage,
  step,
  TaskDispatchMessageSchema,
  WorkflowCompleteMessageSchema,
} from '../../src/index.js';
import { examplePlan } from '../helpers/fixtures.js';
import { dispatchOf, failure, success } from '../helpers/runs.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- messages mutated at random paths

const SCHEMAS = {
  task_dispatch: TaskDispatchMessageSchema,
  workflow_complete: WorkflowCompleteMessageSchema,
  error: ErrorMessageSchema,
} as const;

/** Every message parses with the schema of its content_type. */
function expectValid(messages: readonly OutputMessage[]): void {
  for (const m of messages) {
    const schema = SCHEMAS[m.output.content_type];
    const parsed = schema.safeParse(m);
    expect(parsed.success, JSON.stringify(parsed.error?.issues.slice(0, 3))).toBe(true);
  }
}

const clock = { clock: () => Date.parse('2026-02-21T10:00:01+08:00') };
const start = step(undefined, examplePlan(), clock);
const state0 = start.state as DispatchState;
const t1 = dispatchOf(start.messages, 'task_1');
const seeds: readonly Json[] = [examplePlan(), success(t1), failure(t1, true), failure(t1, false)];

/** Values that sit at the edges of what schemas accept. */
const edgy = fc.oneof(
  fc.constantFrom(
    null,
    '',
    ' ',
    0,
    -1,
    -5,
    1.5,
    2 ** 53,
    2 ** 53 - 1,
    Number.MAX_SAFE_INTEGER,
    1e308,
    -1e308,
    true,
    [],
    {},
    'task_1',
    'task_999',
    'failed',
    'complete',
    'plan',
    'task_result',
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Paths into a message or state, as lists of keys; the last key is set (or deleted). */
const KEYS = [
  'agent',
  'name',
  'type',
  'metadata',
  'sequence_number',
  'session_id',
  'request_id',
  'timestamp',
  'output',
  'content',
  'content_type',
  'task_result',
  'task_id',
  'status',
  'attempt',
  'output_refs_produced',
  'error',
  'code',
  'recoverable',
  'message',
  'workflow_state',
  'switchyard',
  'run',
  'task_states',
  'ref_registry',
  'failure_log',
  'current_execution_group',
  'task_1',
  'attempts',
  '0',
];
/** Paths that steer step: ids, numbers and names it echoes or counts with. */
const KNOWN = [
  ['metadata', 'sequence_number'],
  ['metadata', 'timestamp'],
  ['metadata', 'session_id'],
  ['agent', 'name'],
  ['output', 'content_type'],
  ['output', 'content', 'task_result', 'task_id'],
  ['output', 'content', 'task_result', 'attempt'],
  ['output', 'content', 'task_result', 'status'],
  ['output', 'content', 'task_result', 'output_refs_produced'],
  ['error', 'recoverable'],
  ['error', 'code'],
  ['status', 'code'],
  ['switchyard', 'run', 'sequence_number'],
  ['switchyard', 'run', 'now'],
  ['switchyard', 'run', 'status'],
  ['task_states', 'task_1', 'attempts'],
  ['task_states', 'task_1', 'status'],
  ['current_execution_group'],
];
const mutation = fc.record({
  path: fc.oneof(fc.constantFrom(...KNOWN), fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 4 })),
  value: fc.option(edgy, { nil: undefined }),
});

function mutate<T>(value: T, changes: ReadonlyArray<{ path: string[]; value: unknown }>): T {
  const copy = structuredClone(value) as Json;
  for (const { path, value: v } of changes) {
    let at: Json = copy;
    for (const key of path.slice(0, -1)) {
      if (typeof at[key] !== 'object' || at[key] === null) at[key] = {};
      at = at[key];
    }
    const last = path[path.length - 1];
    if (v === undefined) delete at[last];
    else at[last] = v;
  }
  return copy as T;
}

describe('every message step returns satisfies its own schema', () => {
  it('for arbitrary JSON, with or without a state', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (message, withState) => {
        expectValid(step(withState ? state0 : undefined, message).messages);
      }),
      { numRuns: 500 },
    );
  });

  it('for mutated seed messages and mutated states', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.array(mutation, { maxLength: 3 }),
        (seed, changes, stateChanges) => {
          const isPlan = seed.output.content_type === 'plan';
          expectValid(step(isPlan ? undefined : mutate(state0, stateChanges), mutate(seed, changes), clock).messages);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it.each([1e308, 2 ** 53, Number.MAX_SAFE_INTEGER, -5, 1.5])(
    'answers a callback with sequence_number %d with a valid message',
    (sequence) => {
      const callback = success(t1) as Json;
      callback.metadata.sequence_number = sequence;
      expectValid(step(state0, callback, clock).messages);
      callback.output.content.task_result.task_id = 'task_999';
      expectValid(step(state0, callback, clock).messages);
    },
  );

  it('answers a message from an agent with an empty name with a valid message', () => {
    const callback = success(t1) as Json;
    callback.agent.name = '';
    const { messages } = step(state0, callback, clock);
    expect(messages.length).toBeGreaterThan(0);
    expectValid(messages);
  });
});
