import { z } from 'zod';
import { DispatchSchema } from './dispatch-output.js';
import { ProducedRefSchema } from './refs.js';
import { subjectTokenProblem } from './subjects.js';

/**
 * Bounds on what a runtime may announce: a registration past them is refused, so a forged or
 * broken one cannot make the dispatcher hold or scan unbounded lists.
 */
export const RuntimeLimits = {
  /** Characters in a runtime id. */
  runtimeId: 128,
  /** Characters in any other id carried in a subject (request, run, agent ids). */
  id: 512,
  /** Attempts one runtime takes at once (`capacity`, `concurrency`, `in_flight`). */
  capacity: 4096,
  /** Agents one runtime serves. */
  agents: 64,
  /** Capability patterns per agent. */
  capabilities: 256,
  /** Characters in a capability id or pattern. */
  capability: 128,
  /** Longest heartbeat interval a runtime may state, in ms (one hour). */
  heartbeatMs: 3_600_000,
} as const;

function subjectId(max: number) {
  return z
    .string()
    .max(max)
    .superRefine((value, ctx) => {
      const problem = subjectTokenProblem(value);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `cannot be used in a subject: ${problem}` });
    });
}

/** An id that may stand as one token of a subject: no `.`, `*`, `>` or whitespace; at most 512 characters. */
export const SubjectIdSchema = subjectId(RuntimeLimits.id);

/** A runtime id: a subject token of at most 128 characters. */
export const RuntimeIdSchema = subjectId(RuntimeLimits.runtimeId);

/** Request ids an event lists (what a runtime holds, hands back or gives back). */
const RequestIdListSchema = z.array(z.string().max(RuntimeLimits.id)).max(RuntimeLimits.capacity);

/** A count of attempts, or a capacity: a whole number up to the capacity bound. */
const AttemptCountSchema = z.number().int().positive().max(RuntimeLimits.capacity);

/** An ISO 8601 timestamp with an offset (`Z` or `+08:00`). */
export const TimestampSchema = z.iso.datetime({ offset: true });

/** `TriggerAgent` (command): run one attempt of one task on a runtime serving `agent_id`. */
export const TriggerAgentSchema = z.looseObject({
  type: z.literal('TriggerAgent'),
  request_id: SubjectIdSchema,
  workflow_id: SubjectIdSchema,
  agent_id: SubjectIdSchema,
  task_id: z.string().min(1),
  attempt: z.number().int().positive(),
  dispatch: DispatchSchema,
  /** Subject the result (or the dispatch failure) is sent to, for request-reply. */
  reply_to: z.string().min(1).optional(),
  /** Deadline for the attempt, in milliseconds from when the runtime accepts it. */
  timeout_ms: z.number().int().positive().optional(),
  at: TimestampSchema,
});
export type TriggerAgent = z.infer<typeof TriggerAgentSchema>;

/** One agent a runtime serves, with the capability patterns it accepts (`CAP-ACQ-*`). */
export const ServedAgentSchema = z.looseObject({
  agent_id: SubjectIdSchema,
  capabilities: z.array(z.string().min(1).max(RuntimeLimits.capability)).min(1).max(RuntimeLimits.capabilities),
});

/** `AgentRuntimeRegistered` (seed 001): a runtime announces itself to the dispatcher. */
export const AgentRuntimeRegisteredSchema = z.looseObject({
  type: z.literal('AgentRuntimeRegistered'),
  runtime_id: RuntimeIdSchema,
  agents: z.array(ServedAgentSchema).min(1).max(RuntimeLimits.agents),
  /** How many attempts it takes at once: those it runs and those it holds until one ends (its prefetch). */
  capacity: AttemptCountSchema,
  /**
   * How many of those it runs at once; the rest of `capacity` it holds, oldest first, and the
   * dispatcher may take back (`ReclaimAttempts`) for a runtime that has a slot free. Absent:
   * all of `capacity` runs at once, and nothing is held.
   */
  concurrency: AttemptCountSchema.optional(),
  /** Expected heartbeat interval; missing several marks the runtime defunct. */
  heartbeat_interval_ms: z.number().int().min(10).max(RuntimeLimits.heartbeatMs).optional(),
  /** Subjects the runtime listens on for direct commands. */
  subjects: z.array(z.string().min(1).max(1024)).max(8).optional(),
  /**
   * On a registration that refreshes a live runtime (after a reconnect, or when a dispatcher
   * asks runtimes to announce themselves): the request ids it is still running, which the
   * dispatcher keeps on it rather than declaring lost.
   */
  in_flight: RequestIdListSchema.optional(),
  at: TimestampSchema,
});
export type AgentRuntimeRegistered = z.infer<typeof AgentRuntimeRegisteredSchema>;

/** `AgentRuntimeDeregistered`: graceful shutdown, or declared defunct by the dispatcher. */
export const AgentRuntimeDeregisteredSchema = z.looseObject({
  type: z.literal('AgentRuntimeDeregistered'),
  runtime_id: RuntimeIdSchema,
  reason: z.enum(['shutdown', 'defunct']),
  /** Request ids of the attempts it held when it left. */
  in_flight: RequestIdListSchema.optional(),
  at: TimestampSchema,
});
export type AgentRuntimeDeregistered = z.infer<typeof AgentRuntimeDeregisteredSchema>;

/** `RuntimeHeartbeat`: a runtime is alive, with its current load. */
export const RuntimeHeartbeatSchema = z.looseObject({
  type: z.literal('RuntimeHeartbeat'),
  runtime_id: RuntimeIdSchema,
  in_flight: z.number().int().nonnegative().max(RuntimeLimits.capacity),
  capacity: AttemptCountSchema,
  at: TimestampSchema,
});
export type RuntimeHeartbeat = z.infer<typeof RuntimeHeartbeatSchema>;

/** `AgentDispatchFailed` (seed 000): no runtime could take a `TriggerAgent`. Never recoverable. */
export const AgentDispatchFailedSchema = z.looseObject({
  type: z.literal('AgentDispatchFailed'),
  request_id: SubjectIdSchema,
  workflow_id: SubjectIdSchema,
  agent_id: z.string().min(1),
  task_id: z.string().min(1).optional(),
  attempt: z.number().int().positive().optional(),
  error: z.looseObject({
    code: z.string().min(1),
    message: z.string(),
    recoverable: z.literal(false),
  }),
  at: TimestampSchema,
});
export type AgentDispatchFailed = z.infer<typeof AgentDispatchFailedSchema>;

/**
 * Rounds of attempts a runtime runs before a trigger placed on it starts: placed on a slot it
 * holds (its prefetch), the attempt waits for that many of its runs to end, and its deadline
 * starts after them. Absent when it starts at once.
 */
const RoundsAheadSchema = z.number().int().positive().optional();

/** The dispatcher's reply to a `TriggerAgent` it could place: sent to a runtime, or queued until one has room. */
export const TriggerAcceptedSchema = z.looseObject({
  type: z.literal('TriggerAccepted'),
  request_id: SubjectIdSchema,
  /** The runtime it went to, or `null` while it waits for capacity. */
  runtime_id: SubjectIdSchema.nullable(),
  rounds_ahead: RoundsAheadSchema,
  at: TimestampSchema,
});
export type TriggerAccepted = z.infer<typeof TriggerAcceptedSchema>;

/**
 * `TriggerPlaced`: a trigger the dispatcher had queued, or took back from a runtime that held
 * it, went to a runtime; its deadline starts now (or after `rounds_ahead`).
 */
export const TriggerPlacedSchema = z.looseObject({
  type: z.literal('TriggerPlaced'),
  request_id: SubjectIdSchema,
  runtime_id: SubjectIdSchema,
  rounds_ahead: RoundsAheadSchema,
  at: TimestampSchema,
});
export type TriggerPlaced = z.infer<typeof TriggerPlacedSchema>;

/** `AgentExecutionResult`: how one attempt ended, published on its instance's result subject. */
export const AgentExecutionResultSchema = z.looseObject({
  type: z.literal('AgentExecutionResult'),
  request_id: SubjectIdSchema,
  workflow_id: SubjectIdSchema,
  task_id: z.string().min(1),
  attempt: z.number().int().positive(),
  /** The runtime that ran it; `null` when the dispatcher reports a loss on its behalf. */
  runtime_id: RuntimeIdSchema.nullable(),
  outcome: z.discriminatedUnion('status', [
    z.looseObject({ status: z.literal('complete'), output_refs_produced: z.array(ProducedRefSchema).optional(), summary: z.string().optional() }),
    z.looseObject({ status: z.literal('failed'), error: z.looseObject({ code: z.string().min(1), message: z.string(), recoverable: z.boolean() }) }),
  ]),
  at: TimestampSchema,
});
export type AgentExecutionResult = z.infer<typeof AgentExecutionResultSchema>;

/**
 * Several `TriggerAgent` commands in one message (micro-batching of ready tasks): what a
 * supervisor sends for one agent at once, and what the dispatcher hands one runtime at once.
 */
export const TriggerAgentBatchSchema = z.looseObject({
  type: z.literal('TriggerAgentBatch'),
  triggers: z.array(TriggerAgentSchema).min(1),
});
export type TriggerAgentBatch = z.infer<typeof TriggerAgentBatchSchema>;

/** The dispatcher's reply to a `TriggerAgentBatch`: one answer per trigger, in order. */
export const TriggerBatchReplySchema = z.looseObject({
  type: z.literal('TriggerBatchReply'),
  replies: z.array(z.union([TriggerAcceptedSchema, AgentDispatchFailedSchema])),
});
export type TriggerBatchReply = z.infer<typeof TriggerBatchReplySchema>;

/** Several `AgentExecutionResult`s a runtime publishes at once (attempts that ended in the same turn). */
export const AgentExecutionResultBatchSchema = z.looseObject({
  type: z.literal('AgentExecutionResultBatch'),
  results: z.array(AgentExecutionResultSchema).min(1).max(RuntimeLimits.capacity),
});
export type AgentExecutionResultBatch = z.infer<typeof AgentExecutionResultBatchSchema>;

/** A runtime's reply to a trigger (batch) on its execute subject: taken (a repeat is ignored, and acknowledged again). */
export const TriggersAcceptedSchema = z.looseObject({ type: z.literal('TriggersAccepted'), runtime_id: RuntimeIdSchema, count: z.number().int().min(0) });
export type TriggersAccepted = z.infer<typeof TriggersAcceptedSchema>;

/** The dispatcher's reply to a result (batch): recorded; the runtime stops sending it. */
export const ResultsAcceptedSchema = z.looseObject({ type: z.literal('ResultsAccepted'), count: z.number().int().min(0) });
export type ResultsAccepted = z.infer<typeof ResultsAcceptedSchema>;

/** The reply to a request an actor refused (malformed, unknown): a stable code and a sentence. */
export const ErrorReplySchema = z.looseObject({ type: z.literal('Error'), code: z.string().min(1), message: z.string() });
export type ErrorReply = z.infer<typeof ErrorReplySchema>;

/** On `<p>.commands.agent.<workflow_id>.withdraw`: a cancelled run's triggers the dispatcher still queues, to drop. */
export const WithdrawTriggersSchema = z.looseObject({ type: z.literal('WithdrawTriggers'), request_ids: z.array(z.string()) });
export type WithdrawTriggers = z.infer<typeof WithdrawTriggersSchema>;

/**
 * On `<p>.commands.runtime.<runtime_id>.reclaim`: the dispatcher asks a runtime to give back
 * attempts it holds and has not started (work stealing: another runtime has a slot free).
 */
export const ReclaimAttemptsSchema = z.looseObject({ type: z.literal('ReclaimAttempts'), request_ids: z.array(SubjectIdSchema).min(1).max(RuntimeLimits.capacity), at: TimestampSchema });
export type ReclaimAttempts = z.infer<typeof ReclaimAttemptsSchema>;

/**
 * On `<p>.events.agent.runtime.<runtime_id>.reclaimed`: the attempts of a `ReclaimAttempts`
 * the runtime gave back, never started — it reports no result for them (those it had started
 * it keeps, and leaves out). Sent until the dispatcher acknowledges it (`ResultsAccepted`).
 */
export const AttemptsReclaimedSchema = z.looseObject({ type: z.literal('AttemptsReclaimed'), runtime_id: RuntimeIdSchema, request_ids: z.array(SubjectIdSchema).min(1).max(RuntimeLimits.capacity), at: TimestampSchema });
export type AttemptsReclaimed = z.infer<typeof AttemptsReclaimedSchema>;

/** On `<p>.commands.runtime.<runtime_id>.cancel`: abort one attempt the runtime holds (it reports it `ABORTED`). */
export const CancelAttemptSchema = z.looseObject({ request_id: SubjectIdSchema });
export type CancelAttempt = z.infer<typeof CancelAttemptSchema>;

/** On `<p>.events.agent.instance.<request_id>.progress`: what a handler reported of a running attempt. */
export const AttemptProgressSchema = z.looseObject({
  request_id: SubjectIdSchema,
  percent: z.number().min(0).max(100).optional(),
  message: z.string().max(1000).optional(),
  at: TimestampSchema.optional(),
});
export type AttemptProgress = z.infer<typeof AttemptProgressSchema>;

/** On `<p>.commands.runtime.announce`: every runtime host publishes its registrations again. */
export const AnnounceRuntimesSchema = z.looseObject({ type: z.literal('AnnounceRuntimes'), at: TimestampSchema });
export type AnnounceRuntimes = z.infer<typeof AnnounceRuntimesSchema>;

/** What a trigger subject and a runtime's execute subject take: one `TriggerAgent` or a `TriggerAgentBatch`. */
export const TriggerRequestSchema = z.discriminatedUnion('type', [TriggerAgentSchema, TriggerAgentBatchSchema]);
export type TriggerRequest = z.infer<typeof TriggerRequestSchema>;

/** What a runtime's results subject takes: an `AgentExecutionResultBatch` (one `AgentExecutionResult` is taken too). */
export const ResultRequestSchema = z.discriminatedUnion('type', [AgentExecutionResultBatchSchema, AgentExecutionResultSchema]);
export type ResultRequest = z.infer<typeof ResultRequestSchema>;

/** Any runtime coordination event, discriminated by `type`. */
export const RuntimeEventSchema = z.discriminatedUnion('type', [
  TriggerAgentSchema,
  TriggerAcceptedSchema,
  TriggerPlacedSchema,
  TriggerAgentBatchSchema,
  TriggerBatchReplySchema,
  AgentExecutionResultSchema,
  AgentExecutionResultBatchSchema,
  AgentRuntimeRegisteredSchema,
  AgentRuntimeDeregisteredSchema,
  RuntimeHeartbeatSchema,
  AgentDispatchFailedSchema,
  ReclaimAttemptsSchema,
  AttemptsReclaimedSchema,
]);
export type RuntimeEvent = z.infer<typeof RuntimeEventSchema>;
