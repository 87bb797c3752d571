import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import type { StoredStep } from '../protocol/run-events.js';
import type { Checkpoint, RunRecord, StateStore } from '../store/state-store.js';

/** A recorded run, ready for a supervisor to continue it. */
export interface RecordedRun {
  readonly record: RunRecord;
  readonly checkpoint: Checkpoint | undefined;
  readonly steps: StoredStep[];
}

/** The run row of `runId`, or `RUN_NOT_FOUND` naming the store. */
export function runRecord(store: StateStore, runId: string): RunRecord {
  const record = store.getRun(runId);
  if (!record)
    throw new SwitchyardError(
      ErrorCodes.RUN_NOT_FOUND,
      `There is no run ${runId} in ${store.location}. \`switchyard runs --db ${store.location}\` lists the runs it holds.`,
      { run_id: runId },
    );
  return record;
}

/** What resuming `runId` starts from: `RUN_NOT_FOUND`, or `RUN_ENDED` when there is nothing left to do. */
export function resumable(store: StateStore, runId: string): RecordedRun {
  const record = runRecord(store, runId);
  // Ended on its own (complete, partial, failed); a cancelled run can go on.
  if (record.status === 'complete' || record.status === 'partial' || record.status === 'failed')
    throw new SwitchyardError(
      ErrorCodes.RUN_ENDED,
      `Run ${runId} already ended (${record.status}); there is nothing to resume. \`switchyard show ${runId}\` shows how it went.`,
      { run_id: runId, status: record.status },
    );
  return latest(store, record);
}

/** The run's latest checkpoint and the steps after it. */
export function latest(store: StateStore, record: RunRecord): RecordedRun {
  const checkpoint = store.latestCheckpoint(record.run_id);
  return { record, checkpoint, steps: store.stepsAfter(record.run_id, checkpoint?.seq ?? 0) };
}
