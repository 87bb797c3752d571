import { z } from 'zod';
import { DispatchSchema } from './dispatch-output.js';
import { ProducedRefSchema } from './refs.js';
import { subjectTokenProblem } from './subjects.js';
import { TokenUsageSchema } from './token-usage.js';

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
    })
    .meta({ format: 'subject-token' });
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
export const TimestampSchema = z.iso.datetime({ offset: true }).describe('When the sender sent it.');

/** `TriggerAgent` (command): run one attempt of one task on a runtime serving `agent_id`. */
export const TriggerAgentSchema = z
  .looseObject({
    type: z.literal('TriggerAgent'),
    request_id: SubjectIdSchema.describe(
      "This attempt's id, unique among all attempts: results, cancels, placements and progress name it.",
    ),
    workflow_id: SubjectIdSchema.describe('The run it belongs to.'),
    agent_id: SubjectIdSchema.describe('The agent to run it (`execution_agent`, `reasoning_agent`, …).'),
    task_id: z.string().min(1).describe('The task of the plan.'),
    attempt: z.number().int().positive().describe('Attempt number, from 1; a retry of a failed attempt has the next.'),
    dispatch: DispatchSchema.describe("What to do: seed 003's dispatch content, handed to the handler as it is."),
    reply_to: z
      .string()
      .min(1)
      .optional()
      .describe(
        "Subject the result (or the dispatch failure) is sent to, for request-reply. Switchyard's own actors neither set nor read it: results go on the results subject.",
      ),
    timeout_ms: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'Deadline of the attempt, in milliseconds from when it starts on the runtime; past it the runtime aborts it and reports `TIMEOUT`.',
      ),
    at: TimestampSchema,
  })
  .describe('Run one attempt of one task on a runtime serving `agent_id`.');
export type TriggerAgent = z.infer<typeof TriggerAgentSchema>;

/** One agent a runtime serves, with the capability patterns it accepts (`CAP-ACQ-*`). */
export const ServedAgentSchema = z.looseObject({
  agent_id: SubjectIdSchema.describe('An agent it runs (`execution_agent`, …).'),
  capabilities: z
    .array(z.string().min(1).max(RuntimeLimits.capability))
    .min(1)
    .max(RuntimeLimits.capabilities)
    .describe('Capability ids it serves for that agent, or prefixes ending in `*` (`CAP-ACQ-*`).'),
});

/** `AgentRuntimeRegistered` (seed 001): a runtime announces itself to the dispatcher. */
export const AgentRuntimeRegisteredSchema = z
  .looseObject({
    type: z.literal('AgentRuntimeRegistered'),
    runtime_id: RuntimeIdSchema.describe('The runtime, unique among all runtimes; the same as in the subject.'),
    agents: z
      .array(ServedAgentSchema)
      .min(1)
      .max(RuntimeLimits.agents)
      .describe('The agents it runs, each with the capabilities it serves.'),
    capacity: AttemptCountSchema.describe(
      'How many attempts it takes at once: those it runs and those it holds until one ends (its prefetch).',
    ),
    concurrency: AttemptCountSchema.optional().describe(
      'How many of `capacity` it runs at once; the rest it holds, oldest first, and the dispatcher may take back (`ReclaimAttempts`) for a runtime with a slot free. Absent: all of `capacity` runs at once, and nothing is held.',
    ),
    heartbeat_interval_ms: z
      .number()
      .int()
      .min(10)
      .max(RuntimeLimits.heartbeatMs)
      .optional()
      .describe('How often it heartbeats (default 1000); three intervals without one make it defunct.'),
    subjects: z
      .array(z.string().min(1).max(1024))
      .max(8)
      .optional()
      .describe(
        'Subjects it takes direct commands on: the first its triggers, the second its cancels. Only its own command subjects (`<p>.commands.runtime.<runtime_id>.execute` / `.cancel` / `.reclaim`) are accepted.',
      ),
    in_flight: RequestIdListSchema.optional().describe(
      'A list of request ids, only on a registration that refreshes a live runtime (after a reconnect, or on `AnnounceRuntimes`): every attempt it still holds — running, held, or finished with its result not yet acknowledged. The dispatcher keeps these on it; any other attempt it had placed there is failed `RUNTIME_LOST`. Absent: a fresh runtime, and every attempt the dispatcher had placed under this id is failed `RUNTIME_LOST`.',
    ),
    at: TimestampSchema,
  })
  .describe('A runtime announces itself to the dispatcher (seed 001), at start and again whenever asked.');
export type AgentRuntimeRegistered = z.infer<typeof AgentRuntimeRegisteredSchema>;

/** `AgentRuntimeDeregistered`: graceful shutdown, or declared defunct by the dispatcher. */
export const AgentRuntimeDeregisteredSchema = z
  .looseObject({
    type: z.literal('AgentRuntimeDeregistered'),
    runtime_id: RuntimeIdSchema.describe('The runtime that left.'),
    reason: z
      .enum(['shutdown', 'defunct'])
      .describe(
        '`shutdown`: the runtime leaves of its own accord; `defunct`: the dispatcher (or its host, for a worker that died) declares it dead.',
      ),
    in_flight: RequestIdListSchema.optional().describe(
      'A list of the request ids of the attempts it hands back unfinished; the dispatcher fails each `RUNTIME_LOST` (recoverable), so they run elsewhere.',
    ),
    at: TimestampSchema,
  })
  .describe('A runtime leaves: graceful shutdown, or declared defunct.');
export type AgentRuntimeDeregistered = z.infer<typeof AgentRuntimeDeregisteredSchema>;

/** `RuntimeHeartbeat`: a runtime is alive, with its current load. */
export const RuntimeHeartbeatSchema = z
  .looseObject({
    type: z.literal('RuntimeHeartbeat'),
    runtime_id: RuntimeIdSchema.describe('The runtime beating.'),
    in_flight: z
      .number()
      .int()
      .nonnegative()
      .max(RuntimeLimits.capacity)
      .describe('A count (not a list, unlike in registrations): the attempts it holds now.'),
    capacity: AttemptCountSchema.describe('As registered.'),
    at: TimestampSchema,
  })
  .describe('A runtime is alive, with its current load; sent every `heartbeat_interval_ms`.');
export type RuntimeHeartbeat = z.infer<typeof RuntimeHeartbeatSchema>;

/** `AgentDispatchFailed` (seed 000): no runtime could take a `TriggerAgent`. Never recoverable. */
export const AgentDispatchFailedSchema = z
  .looseObject({
    type: z.literal('AgentDispatchFailed'),
    request_id: SubjectIdSchema.describe('The trigger that could not be placed.'),
    workflow_id: SubjectIdSchema,
    agent_id: z.string().min(1),
    task_id: z.string().min(1).optional(),
    attempt: z.number().int().positive().optional(),
    error: z
      .looseObject({
        code: z
          .string()
          .min(1)
          .describe('`CAPABILITY_NOT_AVAILABLE` when no registered runtime serves the agent and every capability.'),
        message: z.string(),
        recoverable: z.literal(false),
      })
      .describe('Why; never recoverable: the task fails at once.'),
    at: TimestampSchema,
  })
  .describe('No runtime could take a `TriggerAgent` (seed 000). Never recoverable.');
export type AgentDispatchFailed = z.infer<typeof AgentDispatchFailedSchema>;

/**
 * Rounds of attempts a runtime runs before a trigger placed on it starts: placed on a slot it
 * holds (its prefetch), the attempt waits for that many of its runs to end, and its deadline
 * starts after them. Absent when it starts at once.
 */
const RoundsAheadSchema = z
  .number()
  .int()
  .positive()
  .optional()
  .describe(
    'Rounds of its running attempts the runtime ends before this one starts (it holds it meanwhile); its deadline starts after them. Absent: it starts at once.',
  );

/** The dispatcher's reply to a `TriggerAgent` it could place: sent to a runtime, or queued until one has room. */
export const TriggerAcceptedSchema = z
  .looseObject({
    type: z.literal('TriggerAccepted'),
    request_id: SubjectIdSchema,
    runtime_id: SubjectIdSchema.nullable().describe('The runtime it went to, or `null` while it waits for capacity.'),
    rounds_ahead: RoundsAheadSchema,
    at: TimestampSchema,
  })
  .describe('The dispatcher took a trigger: sent to a runtime, or queued until one has room.');
export type TriggerAccepted = z.infer<typeof TriggerAcceptedSchema>;

/**
 * `TriggerPlaced`: a trigger the dispatcher had queued, or took back from a runtime that held
 * it, went to a runtime; its deadline starts now (or after `rounds_ahead`).
 */
export const TriggerPlacedSchema = z
  .looseObject({
    type: z.literal('TriggerPlaced'),
    request_id: SubjectIdSchema,
    runtime_id: SubjectIdSchema.describe('The runtime it went to.'),
    rounds_ahead: RoundsAheadSchema,
    at: TimestampSchema,
  })
  .describe(
    'A trigger the dispatcher had queued, or took back from a runtime that held it, went to a runtime; its deadline starts now (or after `rounds_ahead`).',
  );
export type TriggerPlaced = z.infer<typeof TriggerPlacedSchema>;

/** `AgentExecutionResult`: how one attempt ended, published on its instance's result subject. */
export const AgentExecutionResultSchema = z
  .looseObject({
    type: z.literal('AgentExecutionResult'),
    request_id: SubjectIdSchema.describe('The attempt, as its trigger named it.'),
    workflow_id: SubjectIdSchema.describe('As in the trigger.'),
    task_id: z.string().min(1).describe('As in the trigger.'),
    attempt: z.number().int().positive().describe('As in the trigger.'),
    runtime_id: RuntimeIdSchema.nullable().describe(
      'The runtime that ran it (the one in the subject); `null` when the dispatcher reports a loss on its behalf.',
    ),
    outcome: z
      .discriminatedUnion('status', [
        z.looseObject({
          status: z.literal('complete'),
          output_refs_produced: z
            .array(ProducedRefSchema)
            .optional()
            .describe('The refs it produced, with where they are stored.'),
          summary: z.string().optional().describe('One line for people.'),
        }),
        z.looseObject({
          status: z.literal('failed'),
          error: z.looseObject({
            code: z
              .string()
              .min(1)
              .describe(
                "Stable code: `TIMEOUT`, `ABORTED`, `WORKER_EXITED`, `RUNTIME_LOST`, `RESULT_LOST`, the handler's own, …",
              ),
            message: z.string().describe('A sentence a person can act on.'),
            recoverable: z
              .boolean()
              .describe('Whether another attempt may succeed: the task is retried (up to 3 attempts) only then.'),
          }),
        }),
      ])
      .describe('How it ended.'),
    usage: TokenUsageSchema.optional().describe('Tokens the attempt spent on a language model, when it used one.'),
    at: TimestampSchema,
  })
  .describe('How one attempt ended.');
export type AgentExecutionResult = z.infer<typeof AgentExecutionResultSchema>;

/**
 * Several `TriggerAgent` commands in one message (micro-batching of ready tasks): what a
 * supervisor sends for one agent at once, and what the dispatcher hands one runtime at once.
 */
export const TriggerAgentBatchSchema = z
  .looseObject({
    type: z.literal('TriggerAgentBatch'),
    triggers: z.array(TriggerAgentSchema).min(1).describe('Each taken on its own, as if sent alone.'),
  })
  .describe('Several `TriggerAgent` commands in one message.');
export type TriggerAgentBatch = z.infer<typeof TriggerAgentBatchSchema>;

/** The dispatcher's reply to a `TriggerAgentBatch`: one answer per trigger, in order. */
export const TriggerBatchReplySchema = z
  .looseObject({
    type: z.literal('TriggerBatchReply'),
    replies: z
      .array(z.union([TriggerAcceptedSchema, AgentDispatchFailedSchema]))
      .describe('One per trigger of the batch, in the same order.'),
  })
  .describe("The dispatcher's reply to a `TriggerAgentBatch`.");
export type TriggerBatchReply = z.infer<typeof TriggerBatchReplySchema>;

/** Several `AgentExecutionResult`s a runtime publishes at once (attempts that ended in the same turn). */
export const AgentExecutionResultBatchSchema = z
  .looseObject({
    type: z.literal('AgentExecutionResultBatch'),
    results: z
      .array(AgentExecutionResultSchema)
      .min(1)
      .max(RuntimeLimits.capacity)
      .describe('Results of attempts of the runtime named in the subject.'),
  })
  .describe('Several `AgentExecutionResult`s a runtime sends at once (attempts that ended together).');
export type AgentExecutionResultBatch = z.infer<typeof AgentExecutionResultBatchSchema>;

/** A runtime's reply to a trigger (batch) on its execute subject: taken (a repeat is ignored, and acknowledged again). */
export const TriggersAcceptedSchema = z
  .looseObject({
    type: z.literal('TriggersAccepted'),
    runtime_id: RuntimeIdSchema.describe('The runtime answering.'),
    count: z.number().int().min(0).describe('How many triggers the message held.'),
  })
  .describe("A runtime's acknowledgement of the triggers sent to it; it answers a repeat the same way.");
export type TriggersAccepted = z.infer<typeof TriggersAcceptedSchema>;

/** The dispatcher's reply to a result (batch): recorded; the runtime stops sending it. */
export const ResultsAcceptedSchema = z
  .looseObject({
    type: z.literal('ResultsAccepted'),
    count: z.number().int().min(0).describe('How many results (or reclaimed request ids) the message held.'),
  })
  .describe("The dispatcher's acknowledgement of results (or of reclaimed attempts): the runtime stops sending them.");
export type ResultsAccepted = z.infer<typeof ResultsAcceptedSchema>;

/** The reply to a request an actor refused (malformed, unknown): a stable code and a sentence. */
export const ErrorReplySchema = z
  .looseObject({
    type: z.literal('Error'),
    code: z
      .string()
      .min(1)
      .describe(
        "Stable code: `INVALID_INPUT` for a request that is not JSON or not its subject's schema, `RESULT_MISMATCH` for a result that does not match its open attempt, …",
      ),
    message: z
      .string()
      .describe('A sentence naming what was wrong (and the schema a malformed request was checked against).'),
  })
  .describe('The reply to a request an actor refused. Final: the same request would be refused again.');
export type ErrorReply = z.infer<typeof ErrorReplySchema>;

/** On `<p>.commands.agent.<workflow_id>.withdraw`: a cancelled run's triggers the dispatcher still queues, to drop. */
export const WithdrawTriggersSchema = z
  .looseObject({
    type: z.literal('WithdrawTriggers'),
    request_ids: z.array(z.string()).describe('Triggers of the run to drop if still queued.'),
  })
  .describe('A cancelled run takes back its triggers the dispatcher still queues.');
export type WithdrawTriggers = z.infer<typeof WithdrawTriggersSchema>;

/**
 * On `<p>.commands.runtime.<runtime_id>.reclaim`: the dispatcher asks a runtime to give back
 * attempts it holds and has not started (work stealing: another runtime has a slot free).
 */
export const ReclaimAttemptsSchema = z
  .looseObject({
    type: z.literal('ReclaimAttempts'),
    request_ids: z
      .array(SubjectIdSchema)
      .min(1)
      .max(RuntimeLimits.capacity)
      .describe('Attempts to give back if held and not started.'),
    at: TimestampSchema,
  })
  .describe('The dispatcher asks a runtime to give back attempts it holds and has not started (work stealing).');
export type ReclaimAttempts = z.infer<typeof ReclaimAttemptsSchema>;

/**
 * On `<p>.events.agent.runtime.<runtime_id>.reclaimed`: the attempts of a `ReclaimAttempts`
 * the runtime gave back, never started — it reports no result for them (those it had started
 * it keeps, and leaves out). Sent until the dispatcher acknowledges it (`ResultsAccepted`).
 */
export const AttemptsReclaimedSchema = z
  .looseObject({
    type: z.literal('AttemptsReclaimed'),
    runtime_id: RuntimeIdSchema.describe('The runtime giving them back.'),
    request_ids: z
      .array(SubjectIdSchema)
      .min(1)
      .max(RuntimeLimits.capacity)
      .describe('The attempts given back, never started; no result will come for them.'),
    at: TimestampSchema,
  })
  .describe('The attempts of a `ReclaimAttempts` a runtime gave back; sent until acknowledged (`ResultsAccepted`).');
export type AttemptsReclaimed = z.infer<typeof AttemptsReclaimedSchema>;

/** On `<p>.commands.runtime.<runtime_id>.cancel`: abort one attempt the runtime holds (it reports it `ABORTED`). */
export const CancelAttemptSchema = z
  .looseObject({
    type: z.literal('CancelAttempt'),
    request_id: SubjectIdSchema.describe('The attempt to abort; one held and not started is dropped unstarted.'),
  })
  .describe(
    'Abort one attempt the runtime holds; its result still comes back (usually `ABORTED`). Sent on Ctrl-C, on a cancelled run, and when the run gives an attempt up as `RESULT_LOST`.',
  );
export type CancelAttempt = z.infer<typeof CancelAttemptSchema>;

/** On `<p>.events.agent.instance.<request_id>.progress`: what a handler reported of a running attempt. */
export const AttemptProgressSchema = z
  .looseObject({
    type: z.literal('AttemptProgress'),
    request_id: SubjectIdSchema.describe('The attempt.'),
    percent: z.number().min(0).max(100).optional().describe('How far along, 0–100.'),
    message: z.string().max(1000).optional().describe('One line for people.'),
    at: TimestampSchema.optional(),
  })
  .describe('What a handler reported of a running attempt. Advisory: shown, never changes a run.');
export type AttemptProgress = z.infer<typeof AttemptProgressSchema>;

/** On `<p>.commands.runtime.announce`: every runtime host publishes its registrations again. */
export const AnnounceRuntimesSchema = z
  .looseObject({ type: z.literal('AnnounceRuntimes'), at: TimestampSchema })
  .describe('A dispatcher (starting, or reconnected) asks every runtime to register again.');
export type AnnounceRuntimes = z.infer<typeof AnnounceRuntimesSchema>;

/** What a trigger subject and a runtime's execute subject take: one `TriggerAgent` or a `TriggerAgentBatch`. */
export const TriggerRequestSchema = z.discriminatedUnion('type', [TriggerAgentSchema, TriggerAgentBatchSchema]);
export type TriggerRequest = z.infer<typeof TriggerRequestSchema>;

/** What a runtime's results subject takes: an `AgentExecutionResultBatch` (one `AgentExecutionResult` is taken too). */
export const ResultRequestSchema = z.discriminatedUnion('type', [
  AgentExecutionResultBatchSchema,
  AgentExecutionResultSchema,
]);
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
