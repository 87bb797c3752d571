import { type Dispatch, DispatchSchema, WorkflowProgressSchema } from '../protocol/dispatch-output.js';
import type { AgentOutput, ExecuteRequest, WireError } from './worker-protocol.js';

/**
 * How attempts and their outcomes cross the data channel between the host and a worker: flat
 * arrays, a fixed number of slots per attempt, instead of one object tree per attempt.
 * Structured clone writes every key of every object it copies, and the reader makes a new
 * object for each; a batch of attempts as one array of strings and numbers costs about half
 * as much on each side. A dispatch of any other shape (extra or reordered fields, as a remote
 * planner may send) travels as the object it is, so nothing is lost.
 */

/** Slots per attempt in {@link encodeRequest}'s arrays. */
export const REQUEST_SLOTS = 17;
/** Slots per outcome in {@link encodeOutcome}'s array. */
export const OUTCOME_SLOTS = 3;

/** The schema's fields, in its order: the order `dispatchContent` writes them in (a test holds it to that). */
const DISPATCH_KEYS = Object.keys(DispatchSchema.shape);
const PROGRESS_KEYS = Object.keys(WorkflowProgressSchema.shape);

/** Whether `value` has exactly `keys`, in that order, and nothing else of its own. */
function hasExactly(value: object, keys: readonly string[]): boolean {
  let i = 0;
  for (const key in value) {
    if (key !== keys[i] || !Object.hasOwn(value, key)) return false;
    i++;
  }
  return i === keys.length;
}

/** Whether a dispatch can go as slots: the fields `dispatchContent` writes, in its order, with no others. */
function isPlain(d: Dispatch): boolean {
  const p = d.workflow_progress as object | null;
  return (
    Object.getPrototypeOf(d) === Object.prototype &&
    hasExactly(d, DISPATCH_KEYS) &&
    typeof p === 'object' &&
    p !== null &&
    Object.getPrototypeOf(p) === Object.prototype &&
    hasExactly(p, PROGRESS_KEYS)
  );
}

/** Appends `request`, under the host's number `seq`, to a batch. */
export function encodeRequest(batch: unknown[], seq: number, request: ExecuteRequest): void {
  const d = request.dispatch;
  if (!isPlain(d)) {
    batch.push(seq, request.request_id, request.workflow_id, request.agent_id, d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    return;
  }
  const p = d.workflow_progress;
  batch.push(
    seq,
    request.request_id,
    request.workflow_id,
    request.agent_id,
    d.task_id,
    d.action,
    d.capability_ids,
    d.input_refs_resolved,
    d.output_refs_expected,
    d.execution_group,
    d.attempt,
    p.total_tasks,
    p.completed,
    p.in_progress,
    p.pending,
    p.failed,
    1,
  );
}

/** The attempt at `at` (a multiple of {@link REQUEST_SLOTS}) of a batch, and the host's number for it. */
export function decodeRequest(batch: readonly unknown[], at: number): { seq: number; request: ExecuteRequest } {
  const b = batch;
  const dispatch =
    b[at + 16] === 1
      ? {
          task_id: b[at + 4],
          action: b[at + 5],
          capability_ids: b[at + 6],
          input_refs_resolved: b[at + 7],
          output_refs_expected: b[at + 8],
          execution_group: b[at + 9],
          attempt: b[at + 10],
          workflow_progress: {
            total_tasks: b[at + 11],
            completed: b[at + 12],
            in_progress: b[at + 13],
            pending: b[at + 14],
            failed: b[at + 15],
          },
        }
      : b[at + 4];
  return {
    seq: b[at] as number,
    request: { request_id: b[at + 1], workflow_id: b[at + 2], agent_id: b[at + 3], dispatch } as ExecuteRequest,
  };
}

/**
 * What a handler gave back (checked), or why the attempt failed — or, for an attempt the
 * worker held and gave back unstarted when the host reclaimed it, `reclaimed`.
 */
export type Outcome =
  | { readonly ok: true; readonly output: AgentOutput }
  | { readonly ok: false; readonly error: WireError }
  | { readonly ok: false; readonly reclaimed: true };

/** Appends the outcome of attempt `seq`: an empty output travels as 0. */
export function encodeOutcome(batch: unknown[], seq: number, outcome: Outcome): void {
  if (outcome.ok) batch.push(seq, 1, isEmpty(outcome.output) ? 0 : outcome.output);
  else if ('reclaimed' in outcome) batch.push(seq, 2, 0);
  else batch.push(seq, 0, outcome.error);
}

/** The outcome at `at` (a multiple of {@link OUTCOME_SLOTS}) of a batch. */
export function decodeOutcome(batch: readonly unknown[], at: number): { seq: number; outcome: Outcome } {
  const seq = batch[at] as number;
  const status = batch[at + 1];
  if (status === 2) return { seq, outcome: { ok: false, reclaimed: true } };
  if (status !== 1) return { seq, outcome: { ok: false, error: batch[at + 2] as WireError } };
  const output = batch[at + 2];
  return { seq, outcome: { ok: true, output: output === 0 ? {} : (output as AgentOutput) } };
}

function isEmpty(value: object): boolean {
  for (const _ in value) return false;
  return true;
}
