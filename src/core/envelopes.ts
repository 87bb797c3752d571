import { row } from '../graph/csr.js';
import { S } from '../machines/task-table.js';
import type {
  Dispatch,
  TaskDispatchMessage,
  WorkflowCompleteMessage,
  WorkflowResult,
} from '../protocol/dispatch-output.js';
import type { ErrorMessage } from '../protocol/error-message.js';
import { REF_STATUSES } from './compiled-plan.js';
import { type DispatchCore, type DispatchRecord, statusName } from './dispatch-core.js';
import type { DispatchState } from './run-state.js';
import { formatTimestamp } from './time.js';

/** Seed 003's canonical governance file paths, in its order. */
export const GOVERNANCE_FILES = [
  'context/application.md',
  'context/governance/message_format.md',
  'context/governance/audit.md',
  'agent/operational/dispatch.md',
] as const;

/** What every message of one step shares. */
export interface EnvelopeContext {
  /** `input.source`: the agent whose message this step answers. */
  readonly source: string;
  readonly sequence: number;
  readonly sessionId?: string;
  readonly requestId?: string;
  readonly offsetMinutes: number;
  /** The state after the step, carried in every message's metadata. */
  readonly state: DispatchState | undefined;
  readonly now: number;
}

function metadata(ctx: EnvelopeContext) {
  const meta: Record<string, unknown> = {};
  if (ctx.sessionId !== undefined) meta.session_id = ctx.sessionId;
  if (ctx.requestId !== undefined) meta.request_id = ctx.requestId;
  meta.sequence_number = ctx.sequence;
  const timestamp = formatTimestamp(Number.isNaN(ctx.now) ? null : ctx.now, ctx.offsetMinutes);
  if (timestamp !== null) meta.timestamp = timestamp;
  if (ctx.state !== undefined) meta.workflow_state = ctx.state;
  return meta;
}

const AGENT = { name: 'dispatch_agent', type: 'operational' } as const;

function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** The root failures behind a fusion task's missing inputs or blocked dependencies. */
function causes(core: DispatchCore, tasks: Iterable<number>): string[] {
  const out = new Set<string>();
  for (const p of tasks) {
    if (core.status[p] === S.failed) out.add(core.plan.ids[p]);
    else if (core.status[p] === S.skipped && core.skipCause[p] >= 0) out.add(core.plan.ids[core.skipCause[p]]);
  }
  return [...out];
}

/** `audit.compliance_notes` of a fusion task that goes out on partial input. */
export function partialInputNote(core: DispatchCore, record: DispatchRecord): string | undefined {
  const { plan } = core;
  const v = record.task;
  const blockedDeps = [...row(plan.preds, v)].filter((u) => core.status[u] !== S.complete);
  if (record.dropped.length === 0 && blockedDeps.length === 0) return undefined;
  const cap = plan.routeCapability[v];
  const name = (r: number) => plan.refAsset[r] ?? plan.refIds[r];
  const kept = [...row(plan.inputs, v)].filter((r) => !record.dropped.includes(r)).map(name);
  const producersOf = record.dropped.flatMap((r) => [...row(plan.producers, r)]);
  const why = causes(core, [...producersOf, ...blockedDeps]);
  const due = why.length > 0 ? ` due to ${listWords(why)} failure${why.length > 1 ? 's' : ''}` : '';
  if (record.dropped.length === 0) {
    return `${cap} proceeding although ${listWords(blockedDeps.map((u) => plan.ids[u]))} did not complete${due}; none of its input_refs is missing.`;
  }
  const using = kept.length > 0 ? `${listWords(kept)} only` : 'no input refs';
  return `${cap} proceeding with reduced input (${using}); ${listWords(record.dropped.map(name))} unavailable${due}.`;
}

/** `output.content.dispatch` of one attempt: the task, its resolved inputs, and the progress when it went. */
export function dispatchContent(core: DispatchCore, record: DispatchRecord): Dispatch {
  const { plan } = core;
  const v = record.task;
  const spec = plan.tasks[v];
  // Built with a plain loop: this runs once per attempt, and most tasks read few refs or none.
  const resolved: Dispatch['input_refs_resolved'] = [];
  const { start, list } = plan.inputs;
  for (let k = start[v]; k < start[v + 1]; k++) {
    const r = list[k];
    if (!record.dropped.includes(r))
      resolved.push({ ref_id: plan.refIds[r], storage_uri: core.refUri[r], status: REF_STATUSES[core.refStatus[r]] });
  }
  return {
    task_id: spec.id,
    action: spec.action,
    capability_ids: [...spec.capability_ids],
    input_refs_resolved: resolved,
    output_refs_expected: [...spec.output_refs],
    execution_group: plan.group[v],
    attempt: record.attempt,
    workflow_progress: {
      total_tasks: plan.n,
      completed: record.completed,
      in_progress: record.inProgress,
      pending: record.pending,
      failed: record.failed,
    },
  };
}

/** One `task_dispatch` message (seed 003, Phase A). */
export function dispatchEnvelope(
  core: DispatchCore,
  record: DispatchRecord,
  ctx: EnvelopeContext,
  content: Dispatch = dispatchContent(core, record),
): TaskDispatchMessage {
  const { plan } = core;
  const v = record.task;
  const rule = core.options.routes[plan.route[v]];
  const note = partialInputNote(core, record);
  return {
    agent: { ...AGENT },
    input: { source: ctx.source },
    output: { content: { dispatch: content }, content_type: 'task_dispatch' },
    next_agent: { name: rule.agent, reason: rule.reason.replaceAll('{capability}', plan.routeCapability[v]) },
    metadata: metadata(ctx),
    audit: { governance_files_consulted: [...GOVERNANCE_FILES], compliance_notes: note === undefined ? [] : [note] },
    status: { code: 'success' },
  };
}

/** `workflow_result` of a run that has ended. */
export function workflowResult(core: DispatchCore, offsetMinutes: number): WorkflowResult {
  const { plan } = core;
  const at = (t: number) => formatTimestamp(Number.isNaN(t) ? null : t, offsetMinutes);
  const task_results = Object.create(null) as WorkflowResult['task_results']; // keyed by ids: no prototype
  for (let v = 0; v < plan.n; v++)
    task_results[plan.ids[v]] = { status: statusName(core.status[v]), attempts: core.attempts[v] };
  const derived_refs_final: WorkflowResult['derived_refs_final'] = [];
  plan.refIds.forEach((id, r) => {
    if (plan.refKind[r] !== 'derived') return;
    // Key order as in the seed: ref_id, storage_uri, asset_type, status.
    const asset = core.refAsset[r];
    const status = REF_STATUSES[core.refStatus[r]];
    derived_refs_final.push(
      asset === undefined
        ? { ref_id: id, storage_uri: core.refUri[r], status }
        : { ref_id: id, storage_uri: core.refUri[r], asset_type: asset, status },
    );
  });
  const execution_timeline = Array.from(plan.groupNumbers, (g, i) => ({
    execution_group: g,
    tasks: [...row(plan.groupTasks, i)].map((v) => plan.ids[v]),
    started_at: at(core.groupStarted[i]),
    completed_at: at(core.groupCompleted[i]),
  }));
  const result: WorkflowResult = {
    status: core.runStatus === 'running' ? 'failed' : core.runStatus,
    total_tasks: plan.n,
    completed_tasks: core.counts[S.complete],
    failed_tasks: core.counts[S.failed],
    skipped_tasks: core.counts[S.skipped],
    task_results,
    derived_refs_final,
    execution_timeline,
  };
  if (core.runStatus !== 'complete') {
    const failed = core.failureLog
      .filter((f) => !f.retried)
      .map((f) => ({ task_id: plan.ids[f.task], error_code: f.code, error_message: f.message, attempts: f.attempts }));
    const skipped: Array<{ task_id: string; reason: string | null }> = [];
    for (let v = 0; v < plan.n; v++)
      if (core.status[v] === S.skipped) skipped.push({ task_id: plan.ids[v], reason: core.summary[v] });
    result.failure_summary =
      core.runError?.details.blocked !== undefined
        ? { failed, skipped, blocked: core.runError.details.blocked }
        : { failed, skipped };
  }
  return result;
}

function completionReason(core: DispatchCore): string {
  const c = core.counts;
  if (core.runStatus === 'complete')
    return `All ${core.plan.n} tasks completed; the workflow result is ready to be recorded`;
  if (core.runStatus === 'partial')
    return `The workflow ended partial (${c[S.complete]} complete, ${c[S.failed]} failed, ${c[S.skipped]} skipped); the result and its failure summary are ready to be recorded`;
  if (core.runError?.code === 'RUN_DEADLINE_EXCEEDED')
    return "The run's deadline passed before it finished; the result and the reason are ready to be recorded";
  return 'The workflow is blocked and cannot finish; the result and the reason are ready to be recorded';
}

/** The one `workflow_complete` message of a run (seed 003, Phase B). */
export function completeEnvelope(core: DispatchCore, ctx: EnvelopeContext): WorkflowCompleteMessage {
  const message: WorkflowCompleteMessage = {
    agent: { ...AGENT },
    input: { source: ctx.source },
    output: {
      content: { workflow_result: workflowResult(core, ctx.offsetMinutes) },
      content_type: 'workflow_complete',
    },
    next_agent: { name: 'memory_agent', reason: completionReason(core) },
    metadata: metadata(ctx),
    audit: { governance_files_consulted: [...GOVERNANCE_FILES], compliance_notes: [] },
    status: { code: core.runStatus === 'failed' ? 'failed' : 'success' },
  };
  if (core.runError) message.error = { code: core.runError.code, message: core.runError.message, recoverable: false };
  return message;
}

/** A coded error answering a message that could not be used, or a result that changed nothing. */
export function errorEnvelope(
  error: { code: string; message: string; details?: Record<string, unknown> },
  ctx: EnvelopeContext,
): ErrorMessage {
  const content =
    error.details && Object.keys(error.details).length > 0
      ? { code: error.code, message: error.message, details: error.details }
      : { code: error.code, message: error.message };
  return {
    agent: { ...AGENT },
    input: { source: ctx.source },
    output: { content: { error: content }, content_type: 'error' },
    metadata: metadata(ctx),
    audit: { governance_files_consulted: [...GOVERNANCE_FILES], compliance_notes: [] },
    status: { code: 'failed', message: error.message },
    error: { code: error.code, message: error.message, recoverable: false },
  };
}
