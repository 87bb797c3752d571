import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import type { RunCounts, RunStatusName, RunStepMessage } from '../protocol/run-events.js';
import type { Lease, LeaseHolder, RunRecord } from './state-store.js';

/** What a store must know of a run to check and apply the next step. */
export interface RunHead {
  readonly created_at: number;
  readonly ended_at: number | null;
  readonly last_seq: number;
}

/** What {@link applyStep} needs of a step. */
export interface StepFacts {
  readonly run_id: string;
  readonly seq: number;
  readonly status: RunStatusName;
  readonly counts: RunCounts;
  /** Whether the step is a run's first, which carries `accepted`. */
  readonly accepted: boolean;
  readonly eventCount: number;
}

/** The {@link StepFacts} of a step message. */
export function stepFacts(step: RunStepMessage): StepFacts {
  return {
    run_id: step.run_id,
    seq: step.seq,
    status: step.status,
    counts: step.counts,
    accepted: step.accepted !== undefined,
    eventCount: step.events.length,
  };
}

/**
 * The run-row fields `step` sets, given the run's head before it (`undefined` for a new run).
 * Refuses what every store must refuse: a second run under one id, a step for an unknown run,
 * a gap or an overlap in the sequence numbers. Shared by every store so they agree exactly.
 */
export function applyStep(
  location: string,
  before: RunHead | undefined,
  step: StepFacts,
  now: number,
): Pick<RunRecord, 'status' | 'counts' | 'created_at' | 'updated_at' | 'ended_at' | 'last_seq'> {
  const runId = step.run_id;
  if (step.accepted) {
    if (before)
      throw new SwitchyardError(
        ErrorCodes.RUN_EXISTS,
        `Run ${runId} already exists in ${location}; resume it with \`switchyard resume ${runId}\` or start the new run under another id.`,
        { run_id: runId },
      );
    if (step.seq !== 1) throw gap(location, runId, 0, step.seq);
  } else {
    if (!before)
      throw new SwitchyardError(
        ErrorCodes.RUN_NOT_FOUND,
        `Run ${runId} is not in ${location}: a step came for a run whose first step was never recorded.`,
        { run_id: runId },
      );
    if (step.seq !== before.last_seq + 1) throw gap(location, runId, before.last_seq, step.seq);
  }
  return {
    status: step.status,
    counts: step.counts,
    created_at: before?.created_at ?? now,
    updated_at: now,
    ended_at: step.status === 'running' ? null : (before?.ended_at ?? now),
    last_seq: step.seq + step.eventCount - 1,
  };
}

function gap(location: string, runId: string, last: number, seq: number): SwitchyardError {
  return new SwitchyardError(
    ErrorCodes.LOG_GAP,
    `A step of run ${runId} starts at event ${seq}, but ${location} holds events up to ${last}: the log would have a gap or a repeat, so the step was refused.`,
    { run_id: runId, last_seq: last, seq },
  );
}

/** Throws `RUN_LOCKED` unless `holder` may take the lease on `runId` now. */
export function checkLease(
  current: Lease | undefined,
  holder: LeaseHolder,
  runId: string,
  now: number,
  isStale: (lease: Lease) => boolean,
): void {
  if (!current || current.owner === holder.owner || current.expires_at <= now || isStale(current)) return;
  throw new SwitchyardError(
    ErrorCodes.RUN_LOCKED,
    `Run ${runId} is being driven by process ${current.pid} on ${current.host} (its lease runs until ${new Date(current.expires_at).toISOString()}); two processes may not drive one run. Wait for that process to end, or stop it first.`,
    { run_id: runId, pid: current.pid, host: current.host, expires_at: current.expires_at },
  );
}
