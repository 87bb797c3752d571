/**
 * Switchyard: a deterministic runtime that drives planner-made workflow DAGs to completion.
 * This module is the whole public surface; nothing else is public.
 * @packageDocumentation
 */

// Errors
export { ErrorCodes, SwitchyardError, isErrorCode, isSwitchyardError, serializeError, deserializeError } from './protocol/errors.js';
export type { ErrorCode, ErrorDetails, Result, SerializedError } from './protocol/errors.js';

// Protocol: seed 003 messages
export { TaskSpecSchema, WorkflowSchema, PlanMessageSchema, ExecutionGroupSchema, EstimatedWeightSchema } from './protocol/plan.js';
export type { TaskSpec, TaskSpecInput, Workflow, WorkflowInput, PlanMessage, EstimatedWeight } from './protocol/plan.js';
export { TaskResultSchema, TaskResultMessageSchema } from './protocol/task-result.js';
export type { TaskResult, TaskResultMessage } from './protocol/task-result.js';
export {
  DispatchSchema,
  TaskDispatchMessageSchema,
  WorkflowProgressSchema,
  WorkflowResultSchema,
  WorkflowCompleteMessageSchema,
  TimelineEntrySchema,
} from './protocol/dispatch-output.js';
export type { Dispatch, TaskDispatchMessage, WorkflowProgress, WorkflowResult, WorkflowCompleteMessage } from './protocol/dispatch-output.js';
export { WorkflowStateSchema, TaskStateSchema, TaskStatusSchema, FailureLogEntrySchema } from './protocol/workflow-state.js';
export type { WorkflowState, TaskState, TaskStatus, FailureLogEntry } from './protocol/workflow-state.js';
export {
  RefStatusSchema,
  RefDeclarationSchema,
  ResourcesSchema,
  ProducedRefSchema,
  ResolvedRefSchema,
  RefRegistryEntrySchema,
  FinalRefSchema,
} from './protocol/refs.js';
export type { RefStatus, RefDeclaration, Resources, ProducedRef, ResolvedRef, RefRegistryEntry, FinalRef } from './protocol/refs.js';
export { AgentInfoSchema, NextAgentSchema, AuditSchema, MetadataSchema, ErrorInfoSchema, envelopeSchema } from './protocol/envelope.js';
export type { ErrorInfo } from './protocol/envelope.js';

// Protocol: seeds 000 / 001 runtime events and subjects
export {
  TriggerAgentSchema,
  AgentRuntimeRegisteredSchema,
  AgentRuntimeDeregisteredSchema,
  RuntimeHeartbeatSchema,
  AgentDispatchFailedSchema,
  RuntimeEventSchema,
  SubjectIdSchema,
} from './protocol/runtime-events.js';
export type {
  TriggerAgent,
  AgentRuntimeRegistered,
  AgentRuntimeDeregistered,
  RuntimeHeartbeat,
  AgentDispatchFailed,
  RuntimeEvent,
} from './protocol/runtime-events.js';
export { subjects, assertSubjectToken, subjectTokenProblem, DEFAULT_SUBJECT_PREFIX } from './protocol/subjects.js';
export type { Subjects } from './protocol/subjects.js';

// Protocol: parsing and JSON Schema
export { parseWith, formatIssuePath } from './protocol/parse.js';
export { parseJsonText } from './protocol/json-text.js';
export { messageSchemas, messageNames, messageJsonSchema } from './protocol/schemas.js';
export type { MessageName } from './protocol/schemas.js';

// Graph system
export { ExecutionGraph } from './graph/execution-graph.js';
export type { CriticalPath, ExecutionGroup } from './graph/execution-graph.js';
export { DependencyResolver } from './graph/dependency-resolver.js';
export type { DependencyEdge, DependencyReport } from './graph/dependency-resolver.js';
export { readPlan, declaredRefs } from './graph/plan-input.js';
export type { PlanInput, DeclaredRef, RefKind } from './graph/plan-input.js';
export type { GraphProblem, GraphWarning, ProblemReason } from './graph/problems.js';
export type { GraphOptions } from './graph/weights.js';
export type { MermaidOptions } from './graph/mermaid.js';
