/**
 * Switchyard: a deterministic runtime that drives planner-made workflow DAGs to completion.
 * This module, with `switchyard/sqlite` and `switchyard/nats`, is the whole public surface:
 * what an embedding user needs (the README's "Public API" lists it by purpose). The classes
 * behind a running runtime (the supervisor, the dispatcher, the state manager, the pool) are
 * exported as types only: reach them through {@link createRuntime}'s `Runtime`. Tests import
 * internals by path; nothing here is exported for them.
 * @packageDocumentation
 */

// Errors
export {
  ErrorCodes,
  SwitchyardError,
  isErrorCode,
  isSwitchyardError,
  serializeError,
  deserializeError,
} from './protocol/errors.js';
export type { ErrorCode, ErrorDetails, Result, SerializedError } from './protocol/errors.js';

// Protocol: seed 003 messages
export {
  TaskSpecSchema,
  WorkflowSchema,
  PlanMessageSchema,
  ExecutionGroupSchema,
  EstimatedWeightSchema,
} from './protocol/plan.js';
export type {
  TaskSpec,
  TaskSpecInput,
  Workflow,
  WorkflowInput,
  PlanMessage,
  EstimatedWeight,
} from './protocol/plan.js';
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
export type {
  Dispatch,
  TaskDispatchMessage,
  WorkflowProgress,
  WorkflowResult,
  WorkflowCompleteMessage,
} from './protocol/dispatch-output.js';
export {
  WorkflowStateSchema,
  TaskStateSchema,
  TaskStatusSchema,
  FailureLogEntrySchema,
} from './protocol/workflow-state.js';
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
export type {
  RefStatus,
  RefDeclaration,
  Resources,
  ProducedRef,
  ResolvedRef,
  RefRegistryEntry,
  FinalRef,
} from './protocol/refs.js';
export {
  AgentInfoSchema,
  NextAgentSchema,
  AuditSchema,
  MetadataSchema,
  ErrorInfoSchema,
  envelopeSchema,
} from './protocol/envelope.js';
export type { ErrorInfo } from './protocol/envelope.js';

// Protocol: seeds 000 / 001 runtime events and subjects
export {
  TriggerAgentSchema,
  AgentRuntimeRegisteredSchema,
  AgentRuntimeDeregisteredSchema,
  RuntimeHeartbeatSchema,
  AgentDispatchFailedSchema,
  TriggerAcceptedSchema,
  AgentExecutionResultSchema,
  AgentExecutionResultBatchSchema,
  TriggerAgentBatchSchema,
  TriggerBatchReplySchema,
  TriggerPlacedSchema,
  TriggersAcceptedSchema,
  ResultsAcceptedSchema,
  AnnounceRuntimesSchema,
  ReclaimAttemptsSchema,
  AttemptsReclaimedSchema,
  ErrorReplySchema,
  RuntimeEventSchema,
  SubjectIdSchema,
  RuntimeIdSchema,
  RuntimeLimits,
  CancelAttemptSchema,
  AttemptProgressSchema,
  TriggerRequestSchema,
  ResultRequestSchema,
} from './protocol/runtime-events.js';
export type {
  TriggerAgent,
  AgentRuntimeRegistered,
  AgentRuntimeDeregistered,
  RuntimeHeartbeat,
  AgentDispatchFailed,
  TriggerAccepted,
  AgentExecutionResult,
  ReclaimAttempts,
  AttemptsReclaimed,
  CancelAttempt,
  AttemptProgress,
  RuntimeEvent,
} from './protocol/runtime-events.js';
export { TokenUsageSchema } from './protocol/token-usage.js';
export type { TokenUsage } from './protocol/token-usage.js';
export { subjects, assertSubjectToken, subjectTokenProblem, DEFAULT_SUBJECT_PREFIX } from './protocol/subjects.js';
export type { Subjects } from './protocol/subjects.js';
export {
  RuntimeViewSchema,
  ListRuntimesSchema,
  RuntimeListSchema,
  DrainRuntimeSchema,
  DrainAcceptedSchema,
} from './protocol/dispatcher-commands.js';
export type {
  RuntimeView,
  ListRuntimes,
  RuntimeList,
  DrainRuntime,
  DrainAccepted,
} from './protocol/dispatcher-commands.js';

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
export type { TypedEdge } from './graph/edge-types.js';

// Machines
export { taskMachine } from './machines/task-machine.js';
export type { TaskMachineInput } from './machines/task-machine.js';
export { TASK_STATUSES } from './machines/task-table.js';
export type { TaskFields, TaskEvent, TaskEventType } from './machines/task-fields.js';

// The dispatch core and step
export { step } from './core/step.js';
export type { StepResult, OutputMessage } from './core/step.js';
export { simulate } from './core/simulate.js';
export type { SimulateOptions, SimulatedFailure, Simulation, SimulationStep } from './core/simulate.js';
export { DispatchStateSchema, RunStateSchema } from './core/run-state.js';
export type { DispatchState, RunState } from './core/run-state.js';
export { DispatchOptionsSchema } from './core/options.js';
export type { DispatchOptions, DispatchPolicy } from './core/options.js';
export { DEFAULT_ROUTES } from './core/routing.js';
export type { RouteRule } from './core/routing.js';
export { GOVERNANCE_FILES } from './core/envelopes.js';
export { ErrorMessageSchema } from './protocol/error-message.js';
export type { ErrorMessage } from './protocol/error-message.js';
export { workflowMachine } from './core/workflow-machine.js';
export type { WorkflowContext, WorkflowEvent } from './core/workflow-machine.js';

// Time: the runtime's clock and timers, injectable (tests pass a SimulatedScheduler)
export { systemScheduler, SimulatedScheduler } from './core/scheduler.js';
export type { Scheduler, Timer, TimerOptions } from './core/scheduler.js';

// Agent handlers and the worker pool
export { defineAgent, AgentError } from './pool/agent.js';
export { capabilityMatches } from './protocol/capabilities.js';
export type { AgentDefinition, AgentContext, AgentOutput } from './pool/agent.js';
export { defineAgentFactory } from './pool/agent-factory.js';
export type { AgentFactory, AgentFactoryEnv, AgentModule, AgentModuleOptions } from './pool/agent-factory.js';
export type { ChildProcesses, ChildProcessOptions } from './pool/child-processes.js';
export type { AgentPool, AgentPoolOptions, AgentPoolEvents } from './pool/agent-pool.js';
export type { WorkerHandle } from './pool/worker-handle.js';

// The bus
export { InProcessBus } from './bus/in-process-bus.js';
export type { InProcessBusOptions } from './bus/in-process-bus.js';
export type {
  Bus,
  BusMessage,
  BusCounters,
  BusHandler,
  PublishOptions,
  SubscribeOptions,
  RequestOptions,
  Subscription,
} from './bus/bus.js';

// The embedded runtime
export { createRuntime } from './runtime/create-runtime.js';
export { dispatch } from './runtime/dispatch.js';
export type { DispatchSpecOptions } from './runtime/dispatch.js';
export {
  ExecutionResultSchema,
  AttemptRecordSchema,
  TaskOutcomeSchema,
  FinalArtifactSchema,
  AgentMetricsSchema,
  ResumedRunSchema,
  RunStopSchema,
} from './protocol/execution-result.js';
export type {
  ExecutionResult,
  AttemptRecord,
  TaskOutcome,
  FinalArtifact,
  AgentMetrics,
  ResumedRun,
  RunStop,
} from './protocol/execution-result.js';
export { startAgentHost } from './runtime/agent-host.js';
export type { AgentHost, AgentHostOptions } from './runtime/agent-host.js';
export type { Runtime, RuntimeOptions } from './runtime/create-runtime.js';
export type { AgentLimits } from './actors/running-attempts.js';
export type { AgentFactoryOptions } from './runtime/agent-factory-options.js';
export type { WorkflowRun, RunEvents, RunProgress } from './actors/workflow-run.js';
export type { Dispatcher } from './actors/dispatcher.js';
export { dispatcherClient } from './actors/dispatcher-client.js';
export type { DispatcherClient, DispatcherClientOptions } from './actors/dispatcher-client.js';
export type {
  DispatcherCommand,
  DispatcherContext,
  DispatcherMachine,
  DispatcherRef,
} from './actors/dispatcher-machine.js';

// Durable state (the SQLite store is `switchyard/sqlite`)
export { MemoryStore } from './store/memory-store.js';
export type {
  StateStore,
  RunRecord,
  RunSummary,
  Checkpoint,
  Lease,
  LeaseHolder,
  RuntimeEventRecord,
} from './store/state-store.js';
export { RunEventSchema, RunStepMessageSchema, RecordedOutcomeSchema } from './protocol/run-events.js';
export type {
  RunEvent,
  RunStepMessage,
  StoredStep,
  LoggedEvent,
  RunCounts,
  RecordedOutcome,
} from './protocol/run-events.js';
export type { StateManager } from './actors/state-manager.js';
export type { RecordedRun } from './journal/recorded-run.js';
export type { SubmitOptions } from './runtime/create-runtime.js';
export type { RetryBackoffOptions } from './runtime/retry-backoff.js';
export type { CancelTask, TaskCancelAccepted } from './protocol/run-commands.js';
export { CancelTaskSchema, TaskCancelAcceptedSchema } from './protocol/run-commands.js';

// Artifacts: the storage ctx.read and ctx.write go through (a directory per run by default)
export { fileStorage } from './storage/file-storage.js';
export { memoryStorage } from './storage/memory-storage.js';
export type { FileStorageOptions } from './storage/file-storage.js';
export type { ArtifactStorage, StorageDescriptor } from './storage/artifact-storage.js';

// Planning: a specification becomes a plan (pattern rules by default, a model optionally)
export { decompose, decomposeWithPatterns } from './planning/decompose.js';
export { proposeDependencies } from './planning/llm-dependencies.js';
export type {
  ProposedDependencies,
  AddedDependency,
  RejectedDependency,
  ProposeOptions,
} from './planning/llm-dependencies.js';
export type { DecomposeOptions, Decomposition, PlanningReport } from './planning/decompose.js';
export { readSpecification, parseSpecification, MAX_SPEC_BYTES } from './planning/read-spec.js';
export type { ReadSpecOptions, SpecFormat } from './planning/read-spec.js';
export { SpecificationSchema, RequirementSchema, ComponentSchema, SpecInputSchema } from './protocol/specification.js';
export type {
  Specification,
  SpecificationInput,
  Requirement,
  Component,
  SpecInput,
  Priority,
} from './protocol/specification.js';
export { TASK_TYPES, CAPABILITY_PREFIX, TASK_TYPE_ROUTES } from './planning/task-types.js';
export type { TaskType } from './planning/task-types.js';

// Planning: language model backends (any OpenAI-compatible chat-completions server)
export { openAiCompatible } from './planning/openai-compatible.js';
export type { OpenAiCompatibleOptions } from './planning/openai-compatible.js';
export { llmBackendFromEnv } from './planning/llm-config.js';
export type {
  LlmBackend,
  LlmRequest,
  LlmResponse,
  LlmMessage,
  LlmUsage,
  StructuredMode,
} from './planning/llm-backend.js';
