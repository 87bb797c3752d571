import { type CompiledPlan, compilePlan } from '../core/compiled-plan.js';
import { type CoreHooks, DispatchCore, type Outcome } from '../core/dispatch-core.js';
import { type ResolvedOptions, resolveOptions } from '../core/options.js';
import type { DispatchState } from '../core/run-state.js';
import { planBlock, restore, type RunMeta, snapshot } from '../core/state-codec.js';
import { readPlan } from '../graph/plan-input.js';
import { ErrorCodes, type Result, SwitchyardError } from '../protocol/errors.js';
import { parseWith } from '../protocol/parse.js';
import { type RecordedOutcome, type RunEvent, RunEventSchema, type StoredStep } from '../protocol/run-events.js';
import { TokenUsageSchema } from '../protocol/token-usage.js';
import { withPlan } from './run-journal.js';
import type { Checkpoint, RunRecord } from '../store/state-store.js';

/** A run rebuilt from its store: the core as it stood after the last recorded event. */
export interface Rebuilt {
  readonly plan: CompiledPlan;
  readonly options: ResolvedOptions;
  readonly core: DispatchCore;
  readonly meta: RunMeta;
  readonly block: ReturnType<typeof planBlock>;
  /** Sequence number of the last event applied. */
  readonly lastSeq: number;
}

/** The plan and dispatch options a run was accepted with, compiled again. */
export function compileRecorded(record: RunRecord): Result<{ plan: CompiledPlan; options: ResolvedOptions }> {
  const { policy, max_attempts: maxAttempts, routes } = record.options;
  const options = resolveOptions({ policy, maxAttempts, ...(routes ? { routes } : {}) });
  if (!options.ok) return options;
  const input = readPlan(record.plan);
  if (!input.ok) return input;
  const plan = compilePlan(input.value, options.value);
  if (!plan.ok) return plan;
  return { ok: true, value: { plan: plan.value, options: options.value } };
}

/**
 * Rebuilds a run's core from its latest checkpoint and the steps logged after it (or, with no
 * checkpoint, from the plan and the whole log). Replay feeds the core exactly what the live
 * run fed it — its start, and each applied result at the time it was applied — so the core
 * ends in exactly the state the live one had. The hooks `hooksFor` makes (given a getter of
 * the core being rebuilt) see the replayed transitions; `onStep` is told after each step is
 * applied (what `switchyard replay` prints). A hole in the log or a result the core would refuse is `LOG_GAP`.
 */
export function rebuild(
  record: RunRecord,
  checkpoint: Checkpoint | undefined,
  steps: readonly StoredStep[],
  hooksFor: (core: () => DispatchCore) => CoreHooks = () => ({}),
  onStep?: (step: StoredStep, core: DispatchCore) => void,
): Result<Rebuilt> {
  const compiled = compileRecorded(record);
  if (!compiled.ok) return compiled;
  let { plan, options } = compiled.value;
  let core!: DispatchCore;
  const hooks = hooksFor(() => core);
  let meta: RunMeta;
  let block: ReturnType<typeof planBlock>;
  if (checkpoint) {
    const restored = restore(withPlan(checkpoint.state, planBlock(plan.input, plan.tasks, options)), hooks);
    if (!restored.ok) return restored;
    ({ core, meta, block } = restored.value);
    plan = core.plan;
    options = core.options;
  } else {
    core = new DispatchCore(plan, options, hooks);
    meta = {
      sequence: 4,
      offsetMinutes: 0,
      ...(record.session_id === null ? {} : { sessionId: record.session_id }),
      ...(record.request_id === null ? {} : { requestId: record.request_id }),
    };
    block = planBlock(plan.input, plan.tasks, options);
  }
  let seq = checkpoint?.seq ?? 0;
  for (const step of steps) {
    if (step.seq <= seq) continue;
    if (step.seq !== seq + 1) return gap(record.run_id, `the log jumps from event ${seq} to ${step.seq}`);
    for (const raw of step.events) {
      seq++;
      const parsed = parseWith(RunEventSchema, raw, `event ${seq} of run ${record.run_id}`);
      if (!parsed.ok) return parsed;
      const applied = apply(core, parsed.value);
      if (applied !== undefined) return gap(record.run_id, `event ${seq}: ${applied}`);
      if (parsed.value.type === 'result_received') meta.sequence++;
    }
    onStep?.(step, core);
  }
  if (seq !== record.last_seq)
    return gap(record.run_id, `the run row says the log ends at event ${record.last_seq}, but it ends at ${seq}`);
  return { ok: true, value: { plan, options, core, meta, block, lastSeq: seq } };
}

/** Feeds one input event to the core; a sentence when the core cannot take it. */
function apply(core: DispatchCore, event: RunEvent): string | undefined {
  if (event.type === 'run_started') {
    core.now = event.at;
    core.begin();
    core.drain();
  } else if (event.type === 'run_resumed') {
    core.now = event.at;
  } else if (event.type === 'result_received') {
    const v = core.plan.index(event.task_id);
    if (v === undefined) return `a result for ${event.task_id}, which is not a task of the plan`;
    const refusal = core.refusal(v, event.attempt);
    if (refusal) return `a result the core refuses: ${refusal.message}`;
    const outcome = toOutcome(core.plan, event.outcome);
    if (typeof outcome === 'string') return outcome;
    core.now = event.at;
    core.result(v, outcome);
    core.drain();
  } else if (event.type === 'task_cancelled') {
    const v = core.plan.index(event.task_id);
    if (v === undefined) return `a cancellation of ${event.task_id}, which is not a task of the plan`;
    const refusal = core.cancelRefusal(v);
    if (refusal) return `a cancellation the core refuses: ${refusal.message}`;
    core.now = event.at;
    core.cancel(v, event.reason);
    core.drain();
  } else if (event.type === 'deadline_exceeded') {
    core.now = event.at;
    core.halt('RUN_DEADLINE_EXCEEDED', event.message);
  }
  return undefined;
}

/**
 * An outcome as the log keeps it (refs by id), with the tokens the attempt reported, if any. A
 * usage that does not read as one is left out: replay checks every logged event against its schema.
 */
export function recordOutcome(plan: CompiledPlan, outcome: Outcome, usage?: unknown): RecordedOutcome {
  const read = usage === undefined ? undefined : TokenUsageSchema.safeParse(usage);
  const spent = read?.success ? { usage: read.data } : {};
  if (!outcome.ok)
    return { ok: false, recoverable: outcome.recoverable, code: outcome.code, message: outcome.message, ...spent };
  return {
    ok: true,
    ...(outcome.produced.length === 0
      ? {}
      : {
          produced: outcome.produced.map((p) => ({
            ref_id: plan.refIds[p.ref],
            storage_uri: p.uri,
            ...(p.status === undefined ? {} : { status: p.status }),
            ...(p.asset === undefined ? {} : { asset_type: p.asset }),
          })),
        }),
    ...(outcome.summary === null ? {} : { summary: outcome.summary }),
    ...spent,
  };
}

function toOutcome(plan: CompiledPlan, outcome: RecordedOutcome): Outcome | string {
  if (!outcome.ok) return { ok: false, recoverable: outcome.recoverable, code: outcome.code, message: outcome.message };
  const produced = [];
  for (const p of outcome.produced ?? []) {
    const ref = plan.refIndex.get(p.ref_id);
    if (ref === undefined) return `a produced ref ${p.ref_id} the plan does not declare`;
    produced.push({
      ref,
      uri: p.storage_uri,
      ...(p.status === undefined ? {} : { status: p.status }),
      ...(p.asset_type === undefined ? {} : { asset: p.asset_type }),
    });
  }
  return { ok: true, produced, summary: outcome.summary ?? null };
}

/** The state of a rebuilt run, as `step` and `switchyard show` read it. */
export function rebuiltState(r: Rebuilt): DispatchState {
  return snapshot(r.core, r.meta, r.block);
}

function gap(runId: string, why: string): { ok: false; error: SwitchyardError } {
  return {
    ok: false,
    error: new SwitchyardError(ErrorCodes.LOG_GAP, `The log of run ${runId} cannot be replayed: ${why}.`, {
      run_id: runId,
    }),
  };
}
