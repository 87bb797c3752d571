import type { DispatchState } from '../core/run-state.js';
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
