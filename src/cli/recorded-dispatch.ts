import { z } from 'zod';
import { readPlan } from '../graph/plan-input.js';
import type { PlanningReport } from '../planning/decompose.js';
import type { PlanMessage } from '../protocol/plan.js';
import type { RunRecord } from '../store/state-store.js';
import type { RunnerInfo } from './run-session.js';

/**
 * What `switchyard dispatch` adds to a run's runner record (`runner.dispatch`), so that
 * `switchyard resume` reports the run as dispatch does: that it came from a specification, and
 * the decomposer's report of how it was planned. Runs recorded without it (by `run`, or by a
 * dispatch before this was recorded) resume as `run`'s do.
 */
const DispatchRecordSchema = z.looseObject({
  planning: z.record(z.string(), z.unknown()),
});

/** `runner` with the mark of a run `switchyard dispatch` started, and its planning report. */
export function dispatchRunner(runner: RunnerInfo, planning: PlanningReport): RunnerInfo {
  return { ...runner, dispatch: { planning: { ...planning } } };
}

/** A run `switchyard dispatch` recorded: its plan message and planning report. */
export interface RecordedDispatch {
  readonly plan: PlanMessage;
  readonly planning: Readonly<Record<string, unknown>>;
}

/**
 * The dispatch a run record holds, or `undefined` for a run not started by `switchyard dispatch`
 * (or recorded before dispatch marked its runs, or whose plan is not a plan message).
 */
export function recordedDispatch(record: Pick<RunRecord, 'runner' | 'plan'>): RecordedDispatch | undefined {
  const mark = DispatchRecordSchema.safeParse(record.runner?.dispatch);
  if (!mark.success) return undefined;
  const plan = readPlan(record.plan);
  if (!plan.ok || plan.value.message === undefined) return undefined;
  return { plan: plan.value.message, planning: mark.data.planning };
}
