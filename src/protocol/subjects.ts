import { ErrorCodes, SwitchyardError } from './errors.js';

/** The subject prefix used when none is configured. */
export const DEFAULT_SUBJECT_PREFIX = 'switchyard';

const FORBIDDEN = /[.*>\s]/u;

/**
 * Why `value` cannot be one token of a subject, or `undefined` when it can.
 * A token is non-empty and has no `.`, `*`, `>` or whitespace.
 */
export function subjectTokenProblem(value: string): string | undefined {
  if (value.length === 0) return 'it is empty';
  const bad = FORBIDDEN.exec(value);
  if (!bad) return undefined;
  const char = /\s/u.test(bad[0]) ? 'whitespace' : `\`${bad[0]}\``;
  return `it contains ${char} at position ${bad.index}`;
}

/**
 * Throws `INVALID_ID` unless `value` can stand as one token of a bus subject.
 * @param kind what the id is, for the message (`runtime_id`, `workflow_id`, …)
 */
export function assertSubjectToken(kind: string, value: string): void {
  const problem = subjectTokenProblem(value);
  if (problem === undefined) return;
  throw new SwitchyardError(
    ErrorCodes.INVALID_ID,
    `${kind} ${JSON.stringify(value)} cannot be used in a subject: ${problem}. Ids may not be empty or contain \`.\`, \`*\`, \`>\` or whitespace.`,
    { kind, value },
  );
}

/** Builders for every subject of the wire protocol, under one prefix. */
export interface Subjects {
  readonly prefix: string;
  /** `<p>.commands.agent.<workflow_id>.trigger.<agent_id>`: a `TriggerAgent` command. */
  trigger(workflowId: string, agentId: string): string;
  /** `<p>.events.agent.definition.<runtime_id>.registered`: `AgentRuntimeRegistered`. */
  registered(runtimeId: string): string;
  /** `<p>.events.agent.definition.<runtime_id>.deregistered`: `AgentRuntimeDeregistered`. */
  deregistered(runtimeId: string): string;
  /** `<p>.events.agent.definition.<runtime_id>.heartbeat`: `RuntimeHeartbeat`. */
  heartbeat(runtimeId: string): string;
  /** `<p>.events.agent.instance.<exec_or_request_id>.dispatch_failed`: `AgentDispatchFailed`. */
  dispatchFailed(execOrRequestId: string): string;
  /** `<p>.events.agent.instance.<exec_or_request_id>.result`: an `AgentExecutionResult`. */
  result(execOrRequestId: string): string;
  /** `<p>.events.agent.instance.<exec_or_request_id>.placed`: a queued trigger reached a runtime (`TriggerPlaced`). */
  placed(execOrRequestId: string): string;
  /** `<p>.events.agent.instance.<exec_or_request_id>.progress`: a handler's progress report. */
  progress(execOrRequestId: string): string;
  /** `<p>.events.agent.runtime.<runtime_id>.results`: an `AgentExecutionResultBatch` from one runtime. */
  results(runtimeId: string): string;
  /** `<p>.commands.runtime.<runtime_id>.execute`: a `TriggerAgent` the dispatcher hands to one runtime. */
  execute(runtimeId: string): string;
  /** `<p>.commands.runtime.<runtime_id>.cancel`: abort an attempt (`{ request_id }`). */
  cancel(runtimeId: string): string;
  /** `<p>.commands.runtime.<runtime_id>.reclaim`: give back held attempts not yet started (`ReclaimAttempts`). */
  reclaim(runtimeId: string): string;
  /** `<p>.events.agent.runtime.<runtime_id>.reclaimed`: the held attempts a runtime gave back (`AttemptsReclaimed`). */
  reclaimed(runtimeId: string): string;
  /** `<p>.commands.agent.<workflow_id>.withdraw`: a cancelled run takes back its triggers still queued at the dispatcher. */
  withdraw(workflowId: string): string;
  /** `<p>.commands.workflow.<run_id>.cancel_task`: request `CancelTask`, reply `TaskCancelAccepted` or an `Error`. */
  cancelTask(runId: string): string;
  /** `<p>.commands.runtime.announce`: every runtime host publishes its registrations again (a dispatcher starting or reconnecting). */
  announce(): string;
  /** `<p>.commands.dispatcher.runtimes`: request `ListRuntimes`, reply `RuntimeList`. */
  dispatcherRuntimes(): string;
  /** `<p>.commands.dispatcher.drain`: request `DrainRuntime`, reply `DrainAccepted` or an `Error`. */
  dispatcherDrain(): string;
  /** `<p>.events.workflow.<run_id>.step`: a `RunStep`, what one step of a run did (for the state manager). */
  runStep(runId: string): string;
  /** Wildcard patterns for subscribers. */
  readonly patterns: {
    /** Every trigger, or every trigger of one workflow. */
    triggers(workflowId?: string): string;
    /** Every runtime definition event (registered, deregistered, heartbeat). */
    runtimeDefinitions(): string;
    /** Every instance event (dispatch_failed, result). */
    instances(): string;
    /** Every attempt result. */
    results(): string;
    /** Every progress report. */
    progress(): string;
    /** Every placement of a queued trigger. */
    placed(): string;
    /** Every batch of results, from any runtime. */
    resultBatches(): string;
    /** Every run's steps. */
    runSteps(): string;
    /** Every `AgentDispatchFailed`. */
    dispatchFailures(): string;
    /** Every run's withdrawal of queued triggers. */
    withdrawals(): string;
    /** Every runtime's report of held attempts it gave back. */
    reclaimed(): string;
  };
}

/**
 * Subject builders under `prefix`; every id is checked before it enters a subject.
 *
 * @example
 * const s = subjects();            // prefix "switchyard"
 * s.trigger('wf-1', 'execution_agent'); // "switchyard.commands.agent.wf-1.trigger.execution_agent"
 * s.registered('rt.1');            // throws SwitchyardError with code INVALID_ID
 */
export function subjects(prefix: string = DEFAULT_SUBJECT_PREFIX): Subjects {
  for (const token of prefix.split('.')) assertSubjectToken('subject prefix token', token);
  const tok = (kind: string, value: string): string => {
    assertSubjectToken(kind, value);
    return value;
  };
  const definition = (runtimeId: string, event: string) =>
    `${prefix}.events.agent.definition.${tok('runtime_id', runtimeId)}.${event}`;
  const instance = (id: string, event: string) =>
    `${prefix}.events.agent.instance.${tok('exec_or_request_id', id)}.${event}`;
  return {
    prefix,
    trigger: (workflowId, agentId) =>
      `${prefix}.commands.agent.${tok('workflow_id', workflowId)}.trigger.${tok('agent_id', agentId)}`,
    registered: (runtimeId) => definition(runtimeId, 'registered'),
    deregistered: (runtimeId) => definition(runtimeId, 'deregistered'),
    heartbeat: (runtimeId) => definition(runtimeId, 'heartbeat'),
    dispatchFailed: (id) => instance(id, 'dispatch_failed'),
    result: (id) => instance(id, 'result'),
    progress: (id) => instance(id, 'progress'),
    placed: (id) => instance(id, 'placed'),
    results: (runtimeId) => `${prefix}.events.agent.runtime.${tok('runtime_id', runtimeId)}.results`,
    execute: (runtimeId) => `${prefix}.commands.runtime.${tok('runtime_id', runtimeId)}.execute`,
    cancel: (runtimeId) => `${prefix}.commands.runtime.${tok('runtime_id', runtimeId)}.cancel`,
    reclaim: (runtimeId) => `${prefix}.commands.runtime.${tok('runtime_id', runtimeId)}.reclaim`,
    reclaimed: (runtimeId) => `${prefix}.events.agent.runtime.${tok('runtime_id', runtimeId)}.reclaimed`,
    announce: () => `${prefix}.commands.runtime.announce`,
    dispatcherRuntimes: () => `${prefix}.commands.dispatcher.runtimes`,
    dispatcherDrain: () => `${prefix}.commands.dispatcher.drain`,
    withdraw: (workflowId) => `${prefix}.commands.agent.${tok('workflow_id', workflowId)}.withdraw`,
    runStep: (runId) => `${prefix}.events.workflow.${tok('run_id', runId)}.step`,
    cancelTask: (runId) => `${prefix}.commands.workflow.${tok('run_id', runId)}.cancel_task`,
    patterns: {
      triggers: (workflowId) =>
        workflowId === undefined
          ? `${prefix}.commands.agent.*.trigger.*`
          : `${prefix}.commands.agent.${tok('workflow_id', workflowId)}.trigger.*`,
      runtimeDefinitions: () => `${prefix}.events.agent.definition.*.*`,
      instances: () => `${prefix}.events.agent.instance.*.*`,
      results: () => `${prefix}.events.agent.instance.*.result`,
      progress: () => `${prefix}.events.agent.instance.*.progress`,
      placed: () => `${prefix}.events.agent.instance.*.placed`,
      resultBatches: () => `${prefix}.events.agent.runtime.*.results`,
      runSteps: () => `${prefix}.events.workflow.*.step`,
      dispatchFailures: () => `${prefix}.events.agent.instance.*.dispatch_failed`,
      withdrawals: () => `${prefix}.commands.agent.*.withdraw`,
      reclaimed: () => `${prefix}.events.agent.runtime.*.reclaimed`,
    },
  };
}
