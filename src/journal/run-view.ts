import type { DispatchState } from '../core/run-state.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { leaseLive } from '../store/lease-liveness.js';
import type { RunRecord, RunSummary, StateStore } from '../store/state-store.js';
import { latest, runRecord } from './recorded-run.js';
import { rebuild, rebuiltState } from './replay.js';

/** A run's status as a person needs it: `running` only while a live process drives it, else `interrupted`. */
export function displayStatus(store: StateStore, record: RunSummary, now: number): string {
  if (record.status === 'running' && !leaseLive(store.getLease(record.run_id), now)) return 'interrupted';
  return record.status;
}

/** A recorded run as `show` and the HTTP service present it. */
export interface RunView {
  /** The run row without its plan, with the status a person needs. */
  readonly run: Omit<RunRecord, 'plan' | 'status'> & { readonly status: string };
  /** Its state now: rebuilt from the latest checkpoint and the steps after it, exactly as resume does. */
  readonly workflow_state: DispatchState;
  /** The sequence number of the latest checkpoint, if any. */
  readonly checkpoint_seq: number | undefined;
}

/** The view of `runId` in `store` (`RUN_NOT_FOUND`; a log that does not replay is its coded error). */
export function runView(store: StateStore, runId: string, now: number): RunView {
  const record = runRecord(store, runId);
  const recorded = latest(store, record);
  const rebuilt = rebuild(record, recorded.checkpoint, recorded.steps);
  if (!rebuilt.ok) throw rebuilt.error;
  const { plan: _plan, ...row } = record;
  return {
    run: { ...row, status: displayStatus(store, record, now) },
    workflow_state: rebuiltState(rebuilt.value),
    checkpoint_seq: recorded.checkpoint?.seq,
  };
}

/** A run's state as it stood after one of its steps: what the time-travel view draws. */
export interface RunStateAt {
  /** The last event applied: the end of the step at or before the asked-for one. */
  readonly seq: number;
  /** When that step was recorded (epoch ms). */
  readonly at: number;
  readonly workflow_state: DispatchState;
}

/**
 * Replays `runId` from its journal up to event `seq` (whole steps: every step that starts at or
 * before it), with the same code resume replays with. From the plan when the log still begins
 * at event 1, else from the latest checkpoint; a point behind that checkpoint was compacted away
 * (`LOG_GAP`, saying from which event on the run can be replayed).
 */
export function runStateAt(store: StateStore, runId: string, seq: number): RunStateAt {
  const record = runRecord(store, runId);
  const kept = store.stepsAfter(runId, 0);
  const fromStart = kept[0]?.seq === 1;
  const checkpoint = fromStart ? undefined : store.latestCheckpoint(runId);
  const earliest = fromStart ? 0 : (checkpoint?.seq ?? record.last_seq);
  if (seq < earliest)
    throw new SwitchyardError(
      ErrorCodes.LOG_GAP,
      `Run ${runId} can be replayed from event ${earliest} on: the steps before its latest checkpoint were compacted away.`,
      { run_id: runId, earliest },
    );
  const steps = kept.filter((s) => s.seq <= seq);
  const last = steps.at(-1);
  const lastSeq = last ? last.seq + last.events.length - 1 : (checkpoint?.seq ?? 0);
  const rebuilt = rebuild({ ...record, last_seq: lastSeq }, checkpoint, steps);
  if (!rebuilt.ok) throw rebuilt.error;
  return { seq: lastSeq, at: last?.at ?? record.created_at, workflow_state: rebuiltState(rebuilt.value) };
}
