import { readPlan } from '../graph/plan-input.js';
import type { TaskDispatchMessage, WorkflowCompleteMessage } from '../protocol/dispatch-output.js';
import type { ErrorMessage } from '../protocol/error-message.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { parseJsonText } from '../protocol/json-text.js';
import { parseWith } from '../protocol/parse.js';
import { type TaskResultMessage, TaskResultMessageSchema } from '../protocol/task-result.js';
import { compilePlan } from './compiled-plan.js';
import { DispatchCore, type Outcome } from './dispatch-core.js';
import { completeEnvelope, dispatchEnvelope, type EnvelopeContext, errorEnvelope } from './envelopes.js';
import { type DispatchOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { producedRefs } from './produced-refs.js';
import type { DispatchState } from './run-state.js';
import { planBlock, restore, type RunMeta, snapshot } from './state-codec.js';
import { parseTimestamp } from './time.js';

/** Any message `step` emits. */
export type OutputMessage = TaskDispatchMessage | WorkflowCompleteMessage | ErrorMessage;

/** What `step` returns: the state to pass back next time, and the messages to deliver in order. */
export interface StepResult {
  /** The run's state after this message; `undefined` only when no run could start. */
  readonly state: DispatchState | undefined;
  readonly messages: readonly OutputMessage[];
}

/** The sequence number of the plan's answer: the planning agent's 3, plus one. */
const PLAN_ANSWER_SEQUENCE = 4;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, ...path: string[]): unknown {
  let at = value;
  for (const key of path) at = isObject(at) ? at[key] : undefined;
  return at;
}

/**
 * The sequence number answering a message that carries `incoming`: one more, when that is a
 * sequence number (a non-negative safe integer whose successor is safe too); else `fallback`.
 * Echoing 1e308, 2^53 or -5 plus one would give a message its own schema refuses.
 */
function answerSequence(incoming: unknown, fallback: number): number {
  return typeof incoming === 'number' && Number.isSafeInteger(incoming + 1) && incoming >= 0 ? incoming + 1 : fallback;
}

/** `agent.name` of a message as the `input.source` of the answer: a non-empty string, else `unknown`. */
function sourceOf(message: unknown): string {
  const name = field(message, 'agent', 'name');
  return typeof name === 'string' && name.length > 0 ? name : 'unknown';
}

/** A context for answering when there is no run to speak for. */
function bare(source: string, sequence: number, state: DispatchState | undefined, now: number): EnvelopeContext {
  return { source, sequence, offsetMinutes: 0, state, now };
}

function refuse(error: SwitchyardError, ctx: EnvelopeContext, state: DispatchState | undefined): StepResult {
  return {
    state,
    messages: [errorEnvelope({ code: error.code, message: error.message, details: { ...error.details } }, ctx)],
  };
}

/**
 * The drop-in dispatch agent of seed 003. Give it the planning agent's `plan` message (state
 * `undefined`) or an execution / reasoning agent's `task_result` callback with the state the
 * previous step returned (or inside the callback's `metadata.workflow_state`). It returns the
 * new state and the messages to send: one `task_dispatch` per attempt that goes out, one
 * `workflow_complete` when the run ends, or a coded `error` message.
 *
 * Pure and deterministic: the same state, message and options give the same output, byte for
 * byte. Time comes from `options.clock`, else the message's `metadata.timestamp`, else the
 * state's last known time. It never throws: unusable input is answered with an `error`
 * message (`INVALID_INPUT`, `VALIDATION_ERROR`, `PROCESSING_ERROR`, `STALE_RESULT`) and the
 * state comes back unchanged.
 *
 * @example
 * let { state, messages } = step(undefined, planMessage, { clock: () => Date.parse('2026-02-21T10:00:01+08:00') });
 * ({ state, messages } = step(state, resultFromExecutionAgent));
 */
export function step(state: DispatchState | undefined, message: unknown, options?: DispatchOptions): StepResult {
  try {
    return stepUnsafe(state, message, options);
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    const internal = new SwitchyardError(
      ErrorCodes.PROCESSING_ERROR,
      `Switchyard failed internally while handling this message (${cause}); the state is unchanged. Please report it.`,
      { reason: 'internal_error' },
    );
    return refuse(internal, bare('unknown', 0, state, Number.NaN), state);
  }
}

function stepUnsafe(state: DispatchState | undefined, raw: unknown, options: DispatchOptions | undefined): StepResult {
  let message = raw;
  if (typeof raw === 'string') {
    const parsed = parseJsonText(raw, 'The message');
    if (!parsed.ok) return refuse(parsed.error, bare('unknown', 0, state, Number.NaN), state);
    message = parsed.value;
  }
  const resolved = resolveOptions(options);
  const source = sourceOf(message);
  const stamp = field(message, 'metadata', 'timestamp');
  const stamped = typeof stamp === 'string' ? parseTimestamp(stamp) : undefined;
  const clockNow = resolved.ok && resolved.value.clock ? resolved.value.clock() : undefined;
  if (!resolved.ok) return refuse(resolved.error, bare(source, 0, state, Number.NaN), state);
  const kind = field(message, 'output', 'content_type');
  if (kind === 'plan') {
    const now = clockNow ?? stamped?.ms ?? Number.NaN;
    const offset = resolved.value.utcOffset ?? stamped?.offsetMinutes ?? 0;
    return startRun(message, resolved.value, source, now, offset);
  }
  if (kind === 'task_result') {
    const given = state ?? (field(message, 'metadata', 'workflow_state') as DispatchState | undefined);
    if (given === undefined) {
      const error = new SwitchyardError(
        ErrorCodes.INVALID_INPUT,
        "A task_result callback needs the workflow_state of its run: pass the state the previous step returned, or put it in the callback's metadata.workflow_state.",
        { reason: 'missing_state' },
      );
      return refuse(error, bare(source, 0, undefined, Number.NaN), undefined);
    }
    return applyResult(given, message, source, clockNow ?? stamped?.ms);
  }
  const error = new SwitchyardError(
    ErrorCodes.INVALID_INPUT,
    `The message has output.content_type ${JSON.stringify(kind ?? null)}; the dispatch agent takes a planning agent's "plan" or an agent's "task_result".`,
    { reason: 'unknown_content_type', content_type: kind ?? null },
  );
  return refuse(error, bare(source, 0, state, Number.NaN), state);
}

function startRun(message: unknown, options: ResolvedOptions, source: string, now: number, offset: number): StepResult {
  const sessionId = field(message, 'metadata', 'session_id');
  const requestId = field(message, 'metadata', 'request_id');
  const meta: RunMeta = { sequence: PLAN_ANSWER_SEQUENCE, offsetMinutes: offset };
  if (typeof sessionId === 'string') meta.sessionId = sessionId;
  if (typeof requestId === 'string') meta.requestId = requestId;
  const ctx = (state: DispatchState | undefined): EnvelopeContext => ({
    source,
    sequence: meta.sequence,
    sessionId: meta.sessionId,
    requestId: meta.requestId,
    offsetMinutes: offset,
    state,
    now,
  });
  const input = readPlan(message);
  if (!input.ok) return refuse(input.error, ctx(undefined), undefined);
  const compiled = compilePlan(input.value, options);
  if (!compiled.ok) return refuse(compiled.error, ctx(undefined), undefined);
  const core = new DispatchCore(compiled.value, options);
  core.now = now;
  core.begin();
  const block = planBlock(input.value, compiled.value.tasks, options);
  return answer(core, meta, block, ctx);
}

/** The messages and state after the core has handled a message (it was running before). */
function answer(
  core: DispatchCore,
  meta: RunMeta,
  block: Parameters<typeof snapshot>[2],
  ctx: (state: DispatchState) => EnvelopeContext,
  extra: ErrorMessage[] = [],
): StepResult {
  const records = core.drain();
  const state = snapshot(core, meta, block);
  const context = ctx(state);
  const messages: OutputMessage[] = [
    ...extra.map((e) => ({ ...e, metadata: { ...e.metadata, workflow_state: state } })),
    ...records.map((r) => dispatchEnvelope(core, r, context)),
  ];
  if (core.runStatus !== 'running') messages.push(completeEnvelope(core, context));
  return { state, messages };
}

function outcomeOf(
  message: TaskResultMessage,
  core: DispatchCore,
  v: number,
): { outcome: Outcome; undeclared: string[] } {
  const result = message.output.content.task_result;
  const failed = result.status === 'failed' || message.status?.code === 'failed';
  if (failed) {
    const error = message.error ?? result.error;
    return {
      outcome: {
        ok: false,
        recoverable: error?.recoverable === true,
        code: error?.code ?? 'PROCESSING_ERROR',
        message: error?.message ?? `${result.task_id} failed without an error message`,
      },
      undeclared: [],
    };
  }
  const { produced, undeclared } = producedRefs(core.plan, v, result.output_refs_produced ?? []);
  return { outcome: { ok: true, produced, summary: result.result_summary ?? result.summary ?? null }, undeclared };
}

function applyResult(given: DispatchState, message: unknown, source: string, now: number | undefined): StepResult {
  const restored = restore(given);
  const incoming = field(message, 'metadata', 'sequence_number');
  if (!restored.ok) return refuse(restored.error, bare(source, answerSequence(incoming, 0), given, Number.NaN), given);
  const { core, block } = restored.value;
  const meta: RunMeta = {
    ...restored.value.meta,
    sequence: answerSequence(incoming, answerSequence(restored.value.meta.sequence, restored.value.meta.sequence)),
  };
  if (now !== undefined) core.now = now;
  const ctx = (state: DispatchState): EnvelopeContext => ({
    source,
    sequence: meta.sequence,
    sessionId: meta.sessionId,
    requestId: meta.requestId,
    offsetMinutes: meta.offsetMinutes,
    state,
    now: core.now,
  });
  const unchanged = (error: SwitchyardError) => refuse(error, ctx(given), given);
  const parsed = parseWith(TaskResultMessageSchema, message, 'task_result message');
  if (!parsed.ok) return unchanged(parsed.error);
  const result = parsed.value.output.content.task_result;
  const v = core.plan.index(result.task_id);
  if (v === undefined) {
    return unchanged(
      new SwitchyardError(
        ErrorCodes.VALIDATION_ERROR,
        `The result names ${JSON.stringify(result.task_id)}, which is not a task of this workflow; nothing changed.`,
        { reason: 'unknown_task', task_id: result.task_id },
      ),
    );
  }
  const refusal = core.refusal(v, result.attempt);
  if (refusal) return unchanged(new SwitchyardError(refusal.code, refusal.message, refusal.details));
  const { outcome, undeclared } = outcomeOf(parsed.value, core, v);
  const extra: ErrorMessage[] = [];
  if (undeclared.length > 0) {
    const error = {
      code: ErrorCodes.VALIDATION_ERROR,
      message: `${result.task_id} reported output_refs ${undeclared.join(', ')}, which it does not declare; they were ignored and the rest of the result applied.`,
      details: { reason: 'undeclared_output_ref', task_id: result.task_id, ref_ids: undeclared },
    };
    extra.push(errorEnvelope(error, ctx(given)));
  }
  core.result(v, outcome);
  return answer(core, meta, block, ctx, extra);
}
