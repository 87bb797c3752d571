import type { RouteRule } from '../protocol/routes.js';
import type { RunCounts, RunStatusName, RunStepMessage, StoredStep } from '../protocol/run-events.js';

/** One run as the store lists it. */
export interface RunRecord {
  readonly run_id: string;
  readonly status: RunStatusName;
  readonly counts: RunCounts;
  /** Epoch milliseconds. */
  readonly created_at: number;
  readonly updated_at: number;
  readonly ended_at: number | null;
  /** Sequence number of the last event recorded. */
  readonly last_seq: number;
  readonly plan: unknown;
  readonly options: {
    readonly policy: 'strict' | 'dependency';
    readonly max_attempts: number;
    /** The routing table the run was started with; absent for seed 003's. */
    readonly routes?: readonly RouteRule[];
  };
  readonly session_id: string | null;
  readonly request_id: string | null;
  readonly runner: Readonly<Record<string, unknown>> | null;
  /** The seed's workflow_result once the run ended. */
  readonly result: unknown;
}

/** A run as listings show it: its row without the plan and the result. */
export type RunSummary = Omit<RunRecord, 'plan' | 'result'>;

/** A checkpoint: the state after the event numbered `seq`. */
export interface Checkpoint {
  readonly seq: number;
  readonly state: unknown;
}

/** Who holds a run: one runtime in one process. */
export interface LeaseHolder {
  /** Unique per runtime instance. */
  readonly owner: string;
  readonly pid: number;
  readonly host: string;
}

export interface Lease extends LeaseHolder {
  readonly run_id: string;
  /** Epoch milliseconds the lease lapses unless renewed. */
  readonly expires_at: number;
}

/** A runtime-wide event (registration, deregistration, dispatch failure) as the store keeps it. */
export interface RuntimeEventRecord {
  readonly id: number;
  readonly at: number;
  readonly type: string;
  readonly runtime_id: string | null;
  readonly workflow_id: string | null;
  readonly data: unknown;
}

/**
 * Where a run's history lives. Every write of one step is one call, and atomic (a step is
 * on file whole or not at all; a store may commit several waiting steps together):
 * the step's events, the run row's counts and status, and a checkpoint when the step
 * carries one. After a checkpoint the log behind the previous checkpoint is dropped
 * (compaction), so recovery is always "latest checkpoint + the steps after it".
 *
 * Implementations: {@link MemoryStore} (tests, ephemeral runs) and `SqliteStore` from
 * `switchyard/sqlite`; both pass `test/store/store-conformance.ts`. Only the state manager
 * actor writes; the CLI's read commands open a store read-only.
 */
export interface StateStore {
  /** A name for messages: the file path, or `memory`. */
  readonly location: string;
  /**
   * Records one step. The first step of a run carries `accepted` and creates the run;
   * a run that exists already, a step for an unknown run, or a step whose `seq` does not
   * follow the last one recorded is refused (`RUN_EXISTS`, `RUN_NOT_FOUND`, `LOG_GAP`).
   */
  recordStep(step: RunStepMessage, now: number): void;
  recordRuntimeEvent(event: Omit<RuntimeEventRecord, 'id'>): void;
  getRun(runId: string): RunRecord | undefined;
  /** Every run, newest first (without plans and results, which can be large). */
  listRuns(): RunSummary[];
  /** The latest checkpoint of a run, if any. */
  latestCheckpoint(runId: string): Checkpoint | undefined;
  /** The steps recorded after event `afterSeq`, in order. */
  stepsAfter(runId: string, afterSeq: number): StoredStep[];
  runtimeEvents(limit: number): RuntimeEventRecord[];
  /**
   * Takes or renews the lease on a run for `holder` until `now + ttlMs`. Refused with
   * `RUN_LOCKED` while another holder's lease is live — unless `isStale` says that holder is
   * gone (a dead process on this host).
   */
  acquireLease(
    runId: string,
    holder: LeaseHolder,
    now: number,
    ttlMs: number,
    isStale: (lease: Lease) => boolean,
  ): void;
  releaseLease(runId: string, owner: string): void;
  getLease(runId: string): Lease | undefined;
  /** Deletes runs that ended before `endedBefore` (epoch ms), with their logs; the ids deleted. */
  prune(endedBefore: number): string[];
  close(): void;
}
