import { z } from 'zod';
import { WorkflowResultSchema } from './dispatch-output.js';
import { PlanMessageSchema } from './plan.js';
import { TokenUsageSchema } from './token-usage.js';

/** One attempt of a task, as the run's events saw it. Times are epoch ms of the runtime's scheduler. */
export const AttemptRecordSchema = z.strictObject({
  attempt: z.number().int().positive(),
  agent: z.string(),
  runtimeId: z.string().nullable(),
  dispatchedAt: z.number(),
  endedAt: z.number().nullable().describe('`null` when no result came (the run ended first).'),
  durationMs: z.number().nonnegative().nullable(),
  status: z.enum(['complete', 'failed', 'unfinished']),
  error: z.strictObject({ code: z.string(), message: z.string(), recoverable: z.boolean() }).optional(),
  summary: z.string().optional(),
  usage: TokenUsageSchema.optional(),
  resentAt: z
    .number()
    .optional()
    .describe(
      'Set when the attempt was in flight as its process stopped and was sent again by `switchyard resume` at this time: how long its first sending ran, and what it spent, are unknown; `durationMs` counts from the resend.',
    ),
});
export type AttemptRecord = z.infer<typeof AttemptRecordSchema>;

/** One task of the run: how it ended and every attempt. */
export const TaskOutcomeSchema = z.strictObject({
  taskId: z.string(),
  action: z.string(),
  agent: z.string().nullable().describe('The agent its attempts went to; `null` for a task never dispatched.'),
  status: z.enum(['pending', 'ready', 'in_progress', 'complete', 'failed', 'skipped']),
  attempts: z.array(AttemptRecordSchema),
  durationMs: z.number().nonnegative().describe('Summed over its attempts.'),
  summary: z.string().nullable().describe("The last result's summary, or a skipped task's reason."),
});
export type TaskOutcome = z.infer<typeof TaskOutcomeSchema>;

/** A task that failed, and what its failure cost. */
export const FailureSchema = z.strictObject({
  taskId: z.string(),
  code: z.string(),
  message: z.string(),
  attempts: z.number().int().nonnegative(),
  skipped: z.array(z.string()).describe('The tasks skipped because of it.'),
});

/** An artifact the run produced: where it is, what it is, which task made it. */
export const FinalArtifactSchema = z.strictObject({
  refId: z.string(),
  uri: z.string(),
  assetType: z.string().nullable(),
  status: z.string(),
  taskId: z.string().nullable().describe('The task that produced it.'),
});
export type FinalArtifact = z.infer<typeof FinalArtifactSchema>;

/** Tokens summed (the fields of {@link TokenUsageSchema}). */
const TokensSchema = z.strictObject({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative(),
});

/** What one agent type did in the run. */
export const AgentMetricsSchema = z.strictObject({
  tasks: z.number().int().nonnegative().describe('Tasks dispatched to it.'),
  attempts: z.number().int().nonnegative(),
  complete: z.number().int().nonnegative().describe('Attempts that completed.'),
  failed: z.number().int().nonnegative().describe('Attempts that failed.'),
  unfinished: z.number().int().nonnegative().describe('Attempts whose result never came.'),
  totalDurationMs: z.number().nonnegative(),
  meanDurationMs: z.number().nonnegative(),
  maxDurationMs: z.number().nonnegative(),
  tokens: TokensSchema,
  models: z.array(z.string()),
});
export type AgentMetrics = z.infer<typeof AgentMetricsSchema>;

/** One stop of a resumed run: its process stopped some time after `lastRecordedAt`, and it went on at `resumedAt`. */
export const RunStopSchema = z.strictObject({
  lastRecordedAt: z.number().describe('Epoch ms of the last step the journal recorded before the stop.'),
  resumedAt: z.number().describe('Epoch ms of the resume.'),
  redispatched: z.array(z.string()).describe('The tasks whose attempts were in flight, sent again on resume.'),
});
export type RunStop = z.infer<typeof RunStopSchema>;

/** How a resumed run's result was put together: the part before each stop is read from the journal. */
export const ResumedRunSchema = z.strictObject({
  stops: z.array(RunStopSchema),
  unknown: z
    .array(z.string())
    .describe('What the journal cannot tell (durations, tokens of attempts a stop cut off), one sentence each.'),
});
export type ResumedRun = z.infer<typeof ResumedRunSchema>;

/**
 * What `dispatch(specification)` returns and `switchyard dispatch --json` prints (seed 002's
 * ExecutionResult): how the run ended, per task and per agent type, its artifacts, the plan
 * and how it was made, and the Markdown report. `switchyard resume --json` of a run dispatch
 * started prints one too, the part before each stop read from the run's journal (`resumed`).
 */
export const ExecutionResultSchema = z.strictObject({
  runId: z.string(),
  status: z.enum(['complete', 'partial', 'failed']),
  successRate: z.number().min(0).max(100).describe('Percent of the tasks that completed.'),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  durationMs: z.number().nonnegative(),
  totals: z.strictObject({
    tasks: z.number().int().nonnegative(),
    complete: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    skipped: z.number().int().nonnegative(),
  }),
  tasks: z.array(TaskOutcomeSchema),
  failures: z.array(FailureSchema),
  finalArtifacts: z.array(FinalArtifactSchema),
  metrics: z.strictObject({
    byAgent: z.record(z.string(), AgentMetricsSchema),
    tokens: TokensSchema,
  }),
  plan: PlanMessageSchema,
  planning: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe("The decomposer's report; `null` for a plan given as is."),
  workflowResult: WorkflowResultSchema,
  resumed: ResumedRunSchema.optional().describe(
    'Present when `switchyard resume` continued the run: its stops, and what is not known about the part before them.',
  ),
  report: z.string().describe('The Markdown report.'),
});
export type ExecutionResult = z.infer<typeof ExecutionResultSchema>;
