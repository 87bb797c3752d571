import { z } from 'zod';
import { RouteRuleSchema } from './routes.js';
import { TokenUsageSchema } from './token-usage.js';

/**
 * A result's outcome as the log keeps it: what `DispatchCore.result` was given, with refs by id,
 * empty parts left out, and the tokens the attempt reported spending (`usage`, when it reported
 * any: what an ExecutionResult rebuilt from the log counts; the core does not read it).
 */
export const RecordedOutcomeSchema = z.discriminatedUnion('ok', [
  z.strictObject({
    ok: z.literal(true),
    /** Omitted when the result produced no refs. */
    produced: z
      .array(
        z.strictObject({
          ref_id: z.string(),
          storage_uri: z.string(),
          status: z.number().int().optional(),
          asset_type: z.string().optional(),
        }),
      )
      .optional(),
    /** Omitted when the result had no summary. */
    summary: z.string().optional(),
    usage: TokenUsageSchema.optional(),
  }),
  z.strictObject({
    ok: z.literal(false),
    recoverable: z.boolean(),
    code: z.string(),
    message: z.string(),
    usage: TokenUsageSchema.optional(),
  }),
]);
export type RecordedOutcome = z.infer<typeof RecordedOutcomeSchema>;

/**
 * One state event of a run. Five are inputs that replay feeds back to the dispatch core
 * (`run_started`, `result_received`, `task_cancelled`, `deadline_exceeded`, and `run_resumed`,
 * which changes nothing in the core); `retry_delayed` and `deadline_set` are what a resume
 * reads to hold a retry for the rest of its recorded delay and to keep the run's deadline;
 * the others are what the core did with them, kept so the log reads as a history and so
 * replay can be checked against it.
 */
export const RunEventSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('plan_accepted'), total_tasks: z.number().int() }),
  z.strictObject({ type: z.literal('run_started'), at: z.number() }),
  z.strictObject({ type: z.literal('run_resumed'), at: z.number(), redispatched: z.array(z.string()) }),
  z.strictObject({
    type: z.literal('task_dispatched'),
    task_id: z.string(),
    attempt: z.number().int(),
    agent_id: z.string(),
  }),
  z.strictObject({
    type: z.literal('result_received'),
    at: z.number(),
    request_id: z.string(),
    task_id: z.string(),
    attempt: z.number().int(),
    runtime_id: z.string().nullable(),
    outcome: RecordedOutcomeSchema,
  }),
  z.strictObject({ type: z.literal('task_retried'), task_id: z.string(), attempt: z.number().int() }),
  z.strictObject({ type: z.literal('task_skipped'), task_id: z.string(), reason: z.string() }),
  z.strictObject({ type: z.literal('ref_resolved'), ref_id: z.string(), storage_uri: z.string().nullable() }),
  z.strictObject({
    type: z.literal('dispatch_failed'),
    task_id: z.string(),
    attempt: z.number().int(),
    code: z.string(),
    message: z.string(),
  }),
  z.strictObject({ type: z.literal('run_completed'), status: z.string() }),
  /** A retry held back for `delay_ms` after `at` (backoff); a resume sends it at `at + delay_ms`, not after a new delay. */
  z.strictObject({
    type: z.literal('retry_delayed'),
    at: z.number(),
    task_id: z.string(),
    attempt: z.number().int(),
    delay_ms: z.number(),
  }),
  /** Input: `run.cancelTask` — the task ends failed with CANCELLED, its dependents are skipped. */
  z.strictObject({ type: z.literal('task_cancelled'), at: z.number(), task_id: z.string(), reason: z.string() }),
  /**
   * The run's deadline (epoch ms, `maxExecutionTimeMs` after its start), logged with
   * `run_started` and again with each `run_resumed`, so a resume reads it also after compaction.
   */
  z.strictObject({ type: z.literal('deadline_set'), deadline_at: z.number() }),
  /** Input: the run's deadline passed — what was out failed with RUN_DEADLINE_EXCEEDED and the run ended. */
  z.strictObject({ type: z.literal('deadline_exceeded'), at: z.number(), message: z.string() }),
]);
export type RunEvent = z.infer<typeof RunEventSchema>;

/** An event as a log row holds it: checked as a {@link RunEvent} when it is read back (replay). */
export interface LoggedEvent {
  readonly type: string;
  readonly [field: string]: unknown;
}

/** The events of one step, as one log row: sequence numbers `seq` … `seq + events.length - 1`. */
export interface StoredStep {
  readonly seq: number;
  /** Epoch milliseconds the step was recorded at. */
  readonly at: number;
  readonly events: readonly LoggedEvent[];
}

/** Progress counts of a run, kept on its row so listing runs reads no log. */
export interface RunCounts {
  readonly total: number;
  readonly completed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly in_progress: number;
}

/**
 * What the supervisor publishes after each step on `<p>.events.workflow.<run_id>.step`, and
 * the state manager writes in one transaction: the step's events, the run's counts and
 * status, a checkpoint when one is due, and — on the first step of a run — the plan.
 */
export const RunStepMessageSchema = z.looseObject({
  type: z.literal('RunStep'),
  run_id: z.string().min(1),
  seq: z.number().int().min(1),
  at: z.number(),
  events: z.array(z.looseObject({ type: z.string() })).min(1),
  status: z.enum(['running', 'complete', 'partial', 'failed', 'cancelled']),
  counts: z.strictObject({
    total: z.number().int(),
    completed: z.number().int(),
    failed: z.number().int(),
    skipped: z.number().int(),
    in_progress: z.number().int(),
  }),
  /** The workflow state after this step (a `step`-compatible `DispatchState`), when due. */
  checkpoint: z.looseObject({}).optional(),
  /** The seed's workflow_result, on the step that ends the run. */
  result: z.looseObject({}).optional(),
  /** On the first step only: what is needed to run the plan again. */
  accepted: z
    .strictObject({
      plan: z.unknown(),
      options: z.strictObject({
        policy: z.enum(['strict', 'dependency']),
        max_attempts: z.number().int(),
        /** The routing table, when the run's runtime was given one (absent: seed 003's). */
        routes: z.array(RouteRuleSchema).min(1).optional(),
      }),
      session_id: z.string().optional(),
      request_id: z.string().optional(),
      /** How the run was started (handler modules, pool sizes), for resuming it the same way. */
      runner: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});
export type RunStepMessage = z.infer<typeof RunStepMessageSchema>;
export type RunStatusName = RunStepMessage['status'];
