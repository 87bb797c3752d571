import { row } from '../graph/csr.js';
import type { DeclaredRef, PlanInput } from '../graph/plan-input.js';
import { S, TASK_STATUSES } from '../machines/task-table.js';
import { ErrorCodes, type Result, SwitchyardError } from '../protocol/errors.js';
import { parseWith } from '../protocol/parse.js';
import type { RefDeclaration, RefRegistryEntry } from '../protocol/refs.js';
import type { TaskState } from '../protocol/workflow-state.js';
import { compilePlan, R, REF_STATUSES } from './compiled-plan.js';
import { type CoreHooks, DispatchCore, statusName } from './dispatch-core.js';
import type { ResolvedOptions } from './options.js';
import { type DispatchState, DispatchStateSchema, type RunState } from './run-state.js';
import { formatTimestamp, parseTimestamp } from './time.js';

/** Correlation and clock facts of a run that the core itself does not need. */
export interface RunMeta {
  sessionId?: string;
  requestId?: string;
  sequence: number;
  offsetMinutes: number;
}

function declarations(refs: readonly DeclaredRef[], kind: DeclaredRef['kind']): RefDeclaration[] {
  return refs
    .filter((r) => r.kind === kind)
    .map((r) =>
      r.asset_type === undefined
        ? { ref_id: r.ref_id, storage_uri: r.storage_uri, status: r.status }
        : { ref_id: r.ref_id, storage_uri: r.storage_uri, status: r.status, asset_type: r.asset_type },
    );
}

const ms = (t: number): number | null => (Number.isNaN(t) ? null : t);

/** The plan and options block of the state: written once per run, reused by every snapshot. */
export function planBlock(
  input: PlanInput,
  tasks: readonly PlanInput['tasks'][number][],
  options: ResolvedOptions,
): Pick<RunState, 'plan' | 'options'> {
  const plan: RunState['plan'] = {
    tasks: [...tasks],
    resources: {
      source_refs: declarations(input.refs, 'source'),
      storage_refs: declarations(input.refs, 'storage'),
      derived_refs: declarations(input.refs, 'derived'),
    },
  };
  if (input.workflow?.execution_groups) plan.execution_groups = input.workflow.execution_groups;
  if (input.workflow?.execution_order) plan.execution_order = input.workflow.execution_order;
  if (input.workflow?.total_tasks !== undefined) plan.total_tasks = input.workflow.total_tasks;
  return {
    plan,
    options: {
      policy: options.policy,
      max_attempts: options.maxAttempts,
      routes: [...options.routes],
      fusion_prefixes: [...options.fusionPrefixes],
    },
  };
}

/** The whole state of a run as JSON (seed 003's `workflow_state` plus the `switchyard` block). */
export function snapshot(core: DispatchCore, meta: RunMeta, block: Pick<RunState, 'plan' | 'options'>): DispatchState {
  const { plan } = core;
  const formatted = new Map<number, string | null>();
  const at = (t: number): string | null => {
    let text = formatted.get(t);
    if (text === undefined) formatted.set(t, (text = formatTimestamp(ms(t), meta.offsetMinutes)));
    return text;
  };
  // Keyed by ids: null-prototype tables, so no id can reach Object.prototype.
  const task_states = Object.create(null) as Record<string, TaskState>;
  for (let v = 0; v < plan.n; v++) {
    const state: TaskState = {
      status: statusName(core.status[v]),
      attempts: core.attempts[v],
      dispatched_at: at(core.dispatchedAt[v]),
      completed_at: at(core.completedAt[v]),
      assigned_agent: core.assigned[v],
      result_summary: core.summary[v],
    };
    if (core.skipCause[v] >= 0) state.skipped_because = plan.ids[core.skipCause[v]];
    task_states[plan.ids[v]] = state;
  }
  const ref_registry = Object.create(null) as Record<string, RefRegistryEntry>;
  plan.refIds.forEach((id, r) => {
    const entry: RefRegistryEntry = { storage_uri: core.refUri[r], status: REF_STATUSES[core.refStatus[r]] };
    if (core.refAsset[r] !== undefined) entry.asset_type = core.refAsset[r];
    ref_registry[id] = entry;
  });
  const run: RunState['run'] = {
    status: core.runStatus,
    sequence_number: meta.sequence,
    utc_offset_minutes: meta.offsetMinutes,
    now: ms(core.now),
    timeline: Array.from(plan.groupNumbers, (g, i) => ({
      execution_group: g,
      started_at: ms(core.groupStarted[i]),
      completed_at: ms(core.groupCompleted[i]),
    })),
  };
  if (meta.sessionId !== undefined) run.session_id = meta.sessionId;
  if (meta.requestId !== undefined) run.request_id = meta.requestId;
  if (core.runError)
    run.error = { code: core.runError.code, message: core.runError.message, details: core.runError.details };
  const groups = plan.groupNumbers;
  return {
    current_execution_group: groups[Math.min(core.cur, groups.length - 1)],
    task_states,
    ref_registry,
    failure_log: core.failureLog.map((f) => ({
      task_id: plan.ids[f.task],
      error_code: f.code,
      error_message: f.message,
      attempts: f.attempts,
      downstream_impact: f.retried
        ? `none yet: dispatched again as attempt ${f.attempts + 1}`
        : f.impact.map((v) => plan.ids[v]),
      recoverable: f.recoverable,
      retried: f.retried,
      at: at(f.at),
    })),
    switchyard: { version: 1, ...block, run },
  };
}

type Invalid = { ok: false; error: SwitchyardError };

function invalid(message: string, details: Record<string, unknown> = {}): Invalid {
  return {
    ok: false,
    error: new SwitchyardError(ErrorCodes.INVALID_INPUT, message, { reason: 'invalid_state', ...details }),
  };
}

/** Rebuilds a core from a state `snapshot` wrote. A state that does not fit its plan is `INVALID_INPUT`. */
export function restore(
  value: unknown,
  hooks: CoreHooks = {},
): Result<{ core: DispatchCore; meta: RunMeta; block: Pick<RunState, 'plan' | 'options'> }> {
  const parsed = parseWith(DispatchStateSchema, value, 'workflow_state');
  if (!parsed.ok) return parsed;
  const state = parsed.value;
  const { plan: p, options: o, run } = state.switchyard;
  const { input, options } = planOf(state.switchyard);
  const compiled = compilePlan(input, options);
  if (!compiled.ok)
    return invalid(`The workflow_state carries a plan that no longer validates: ${compiled.error.message}`);
  const plan = compiled.value;
  const core = new DispatchCore(plan, options, hooks);
  const time = timeReader();
  const badTask = restoreTasks(core, state, o.max_attempts, time);
  if (badTask) return badTask;
  plan.refIds.forEach((id, r) => {
    const entry = Object.hasOwn(state.ref_registry, id) ? state.ref_registry[id] : undefined;
    if (!entry) return;
    core.refStatus[r] = R[entry.status];
    core.refUri[r] = entry.storage_uri;
    if (entry.asset_type !== undefined) core.refAsset[r] = entry.asset_type;
  });
  derive(core);
  run.timeline.forEach((t, i) => {
    if (i >= plan.groupNumbers.length) return;
    core.groupStarted[i] = t.started_at ?? Number.NaN;
    core.groupCompleted[i] = t.completed_at ?? Number.NaN;
  });
  const badFailure = restoreFailureLog(core, state.failure_log, time);
  if (badFailure) return badFailure;
  core.runStatus = run.status;
  if (run.error)
    core.runError = {
      code: run.error.code === 'RUN_DEADLINE_EXCEEDED' ? run.error.code : 'PROCESSING_ERROR',
      message: run.error.message,
      details: run.error.details ?? {},
    };
  core.now = run.now ?? Number.NaN;
  const meta: RunMeta = { sequence: run.sequence_number, offsetMinutes: run.utc_offset_minutes };
  if (run.session_id !== undefined) meta.sessionId = run.session_id;
  if (run.request_id !== undefined) meta.requestId = run.request_id;
  try {
    core.syncEngine();
  } catch (error) {
    return invalid(`The workflow_state cannot be taken up by the task engine: ${(error as Error).message}`);
  }
  return { ok: true, value: { core, meta, block: { plan: p, options: o } } };
}

/** The plan and options a state's `switchyard` block carries, as `compilePlan` takes them. */
function planOf({ plan: p, options: o, run }: RunState): { input: PlanInput; options: ResolvedOptions } {
  const refs: DeclaredRef[] = [];
  for (const [list, kind] of [
    ['source_refs', 'source'],
    ['storage_refs', 'storage'],
    ['derived_refs', 'derived'],
  ] as const) {
    for (const d of p.resources[list])
      refs.push({
        ref_id: d.ref_id,
        kind,
        storage_uri: d.storage_uri ?? null,
        status: d.status ?? 'pending',
        ...(d.asset_type === undefined ? {} : { asset_type: d.asset_type }),
      });
  }
  const input: PlanInput = {
    tasks: p.tasks,
    refs,
    workflow: { execution_groups: p.execution_groups, execution_order: p.execution_order, total_tasks: p.total_tasks },
  };
  const options: ResolvedOptions = {
    policy: o.policy,
    maxAttempts: o.max_attempts,
    routes: o.routes,
    fusionPrefixes: o.fusion_prefixes,
    clock: undefined,
    utcOffset: run.utc_offset_minutes,
  };
  return { input, options };
}

/** Reads a state's timestamps as epoch milliseconds (`NaN` for none), each distinct one parsed once. */
function timeReader(): (text: string | null) => number {
  // Many tasks share the same few timestamps (one per step).
  const parsedTimes = new Map<string, number>();
  return (text) => {
    if (text === null) return Number.NaN;
    let t = parsedTimes.get(text);
    if (t === undefined) parsedTimes.set(text, (t = parseTimestamp(text)?.ms ?? Number.NaN));
    return t;
  };
}

/** Sets every task's status and fields from `task_states`; refuses a state whose tasks do not match its plan. */
function restoreTasks(
  core: DispatchCore,
  state: DispatchState,
  maxAttempts: number,
  time: (text: string | null) => number,
): Invalid | undefined {
  const { plan } = core;
  core.counts.fill(0);
  for (let v = 0; v < plan.n; v++) {
    const id = plan.ids[v];
    const ts = Object.hasOwn(state.task_states, id) ? state.task_states[id] : undefined;
    if (!ts)
      return invalid(`The workflow_state has no task_states entry for ${id}, a task of its plan.`, { task_id: id });
    const code = TASK_STATUSES.indexOf(ts.status);
    core.status[v] = code;
    core.counts[code]++;
    core.attempts[v] = ts.attempts;
    core.dispatchedAt[v] = time(ts.dispatched_at);
    core.completedAt[v] = time(ts.completed_at);
    core.assigned[v] = ts.assigned_agent;
    core.summary[v] = ts.result_summary;
    const because = typeof ts.skipped_because === 'string' ? plan.index(ts.skipped_because) : undefined;
    core.skipCause[v] = because ?? -1;
    if (code === S.in_progress && ts.attempts < 1)
      return invalid(`task_states.${id} is in_progress with ${ts.attempts} attempts.`, { task_id: id });
    if (ts.attempts > maxAttempts)
      return invalid(
        `task_states.${id} has ${ts.attempts} attempts, more than the run's max_attempts of ${maxAttempts}.`,
        { task_id: id },
      );
  }
  for (const id of Object.keys(state.task_states)) {
    if (plan.index(id) === undefined)
      return invalid(`task_states names ${id}, which is not a task of the plan in this workflow_state.`, {
        task_id: id,
      });
  }
  return undefined;
}

/** Rebuilds the core's failure log; refuses an entry that names no task of the plan. */
function restoreFailureLog(
  core: DispatchCore,
  log: DispatchState['failure_log'],
  time: (text: string | null) => number,
): Invalid | undefined {
  const { plan } = core;
  for (const f of log) {
    const task = plan.index(f.task_id);
    if (task === undefined)
      return invalid(`failure_log names ${f.task_id}, which is not a task of the plan.`, { task_id: f.task_id });
    const impact = Array.isArray(f.downstream_impact)
      ? f.downstream_impact.map((id) => plan.index(id) ?? -1).filter((x) => x >= 0)
      : [];
    core.failureLog.push({
      task,
      code: f.error_code,
      message: f.error_message,
      attempts: f.attempts,
      recoverable: f.recoverable,
      retried: f.retried,
      at: time(f.at),
      impact,
    });
  }
  return undefined;
}

/** Recomputes every counter the core derives from task and ref statuses. */
function derive(core: DispatchCore): void {
  const { plan, status } = core;
  const terminal = (s: number) => s === S.complete || s === S.failed || s === S.skipped;
  const blocked = (s: number) => s === S.failed || s === S.skipped;
  for (let r = 0; r < plan.refIds.length; r++) {
    if (core.refStatus[r] !== R.pending) continue;
    const makers = row(plan.producers, r);
    let lost = 0;
    for (const p of makers) if (blocked(status[p])) lost++;
    core.refFailedProducers[r] = lost;
    core.refDead[r] = makers.length > 0 && lost === makers.length ? 1 : 0;
  }
  core.nonTerminal.fill(0);
  for (let v = 0; v < plan.n; v++) {
    let remaining = 0;
    let term = 0;
    let block = 0;
    for (const u of row(plan.preds, v)) {
      if (status[u] !== S.complete) remaining++;
      if (terminal(status[u])) term++;
      if (blocked(status[u])) block++;
    }
    core.remaining[v] = remaining;
    core.terminalPreds[v] = term;
    core.blockedPreds[v] = block;
    let pending = 0;
    let dead = 0;
    for (const r of row(plan.inputs, v)) {
      if (core.refStatus[r] !== R.pending) continue;
      if (core.refDead[r] && plan.fusion[v]) continue;
      if (core.refDead[r]) dead++;
      pending++;
    }
    core.pendingIn[v] = pending;
    core.deadIn[v] = dead;
    if (!terminal(status[v])) core.nonTerminal[plan.groupOrd[v]]++;
  }
  core.cur = 0;
  while (core.cur < plan.groupNumbers.length && core.nonTerminal[core.cur] === 0) core.cur++;
}
