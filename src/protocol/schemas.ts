import { z } from 'zod';
import { TaskDispatchMessageSchema, WorkflowCompleteMessageSchema } from './dispatch-output.js';
import { ErrorMessageSchema } from './error-message.js';
import { ErrorCodes, SwitchyardError } from './errors.js';
import { PlanMessageSchema, WorkflowSchema } from './plan.js';
import {
  AgentDispatchFailedSchema,
  AgentExecutionResultBatchSchema,
  AgentExecutionResultSchema,
  AnnounceRuntimesSchema,
  ErrorReplySchema,
  ResultsAcceptedSchema,
  TriggersAcceptedSchema,
  AgentRuntimeDeregisteredSchema,
  AgentRuntimeRegisteredSchema,
  RuntimeHeartbeatSchema,
  TriggerAcceptedSchema,
  TriggerAgentBatchSchema,
  TriggerAgentSchema,
  TriggerBatchReplySchema,
  TriggerPlacedSchema,
  WithdrawTriggersSchema,
  ReclaimAttemptsSchema,
  AttemptsReclaimedSchema,
  AttemptProgressSchema,
  CancelAttemptSchema,
} from './runtime-events.js';
import { RunStepMessageSchema } from './run-events.js';
import {
  DrainAcceptedSchema,
  DrainRuntimeSchema,
  ListRuntimesSchema,
  RuntimeListSchema,
} from './dispatcher-commands.js';
import { CancelTaskSchema, TaskCancelAcceptedSchema } from './run-commands.js';
import { TaskResultMessageSchema } from './task-result.js';
import { WorkflowStateSchema } from './workflow-state.js';
import { SpecificationSchema } from './specification.js';
import { ExecutionResultSchema } from './execution-result.js';

/** Every message of the wire protocol by name, as `switchyard schema <name>` knows them. */
export const messageSchemas = {
  plan: PlanMessageSchema,
  workflow: WorkflowSchema,
  task_result: TaskResultMessageSchema,
  task_dispatch: TaskDispatchMessageSchema,
  workflow_complete: WorkflowCompleteMessageSchema,
  error: ErrorMessageSchema,
  workflow_state: WorkflowStateSchema,
  trigger_agent: TriggerAgentSchema,
  agent_runtime_registered: AgentRuntimeRegisteredSchema,
  agent_runtime_deregistered: AgentRuntimeDeregisteredSchema,
  agent_dispatch_failed: AgentDispatchFailedSchema,
  runtime_heartbeat: RuntimeHeartbeatSchema,
  trigger_accepted: TriggerAcceptedSchema,
  trigger_placed: TriggerPlacedSchema,
  trigger_agent_batch: TriggerAgentBatchSchema,
  trigger_batch_reply: TriggerBatchReplySchema,
  agent_execution_result_batch: AgentExecutionResultBatchSchema,
  agent_execution_result: AgentExecutionResultSchema,
  triggers_accepted: TriggersAcceptedSchema,
  results_accepted: ResultsAcceptedSchema,
  announce_runtimes: AnnounceRuntimesSchema,
  withdraw_triggers: WithdrawTriggersSchema,
  reclaim_attempts: ReclaimAttemptsSchema,
  attempts_reclaimed: AttemptsReclaimedSchema,
  cancel_attempt: CancelAttemptSchema,
  attempt_progress: AttemptProgressSchema,
  error_reply: ErrorReplySchema,
  run_step: RunStepMessageSchema,
  list_runtimes: ListRuntimesSchema,
  runtime_list: RuntimeListSchema,
  drain_runtime: DrainRuntimeSchema,
  drain_accepted: DrainAcceptedSchema,
  cancel_task: CancelTaskSchema,
  task_cancel_accepted: TaskCancelAcceptedSchema,
  specification: SpecificationSchema,
  execution_result: ExecutionResultSchema,
} as const;

/** The name of a message in {@link messageSchemas}. */
export type MessageName = keyof typeof messageSchemas;

/** The names of all messages, in a stable order. */
export const messageNames = Object.keys(messageSchemas) as MessageName[];

/**
 * The JSON Schema (draft 2020-12) of a message, describing what a sender may send
 * (defaults optional). Unknown names are a `VALIDATION_ERROR` listing the known ones.
 */
export function messageJsonSchema(name: string): Record<string, unknown> {
  if (!Object.hasOwn(messageSchemas, name)) {
    throw new SwitchyardError(
      ErrorCodes.VALIDATION_ERROR,
      `There is no message named ${JSON.stringify(name)}; known messages: ${messageNames.join(', ')}.`,
      { name, known: messageNames },
    );
  }
  const schema: z.ZodType = messageSchemas[name as MessageName];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $id: `switchyard:${name}`, title: name, ...json };
}
