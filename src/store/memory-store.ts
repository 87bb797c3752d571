import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import type { RunStepMessage, StoredStep } from '../protocol/run-events.js';
import type {
  Checkpoint,
  Lease,
  LeaseHolder,
  RunRecord,
  RunSummary,
  RuntimeEventRecord,
  StateStore,
} from './state-store.js';
import { applyStep, checkLease, stepFacts } from './step-write.js';

interface RunLog {
  record: RunRecord;
  steps: StoredStep[];
  checkpoints: Checkpoint[];
}

/**
 * A {@link StateStore} in memory: for tests and for runs that need no durability. It keeps
 * what a SQLite store keeps, compacts the same way, and refuses the same mistakes.
 */
export class MemoryStore implements StateStore {
  readonly location = 'memory';
  readonly #runs = new Map<string, RunLog>();
  readonly #leases = new Map<string, Lease>();
  readonly #runtime: RuntimeEventRecord[] = [];
  #closed = false;

  recordStep(step: RunStepMessage, now: number): void {
    this.#open();
    const log = this.#runs.get(step.run_id);
    const head = applyStep(this.location, log?.record, stepFacts(step), now);
    const accepted = step.accepted;
    const record: RunRecord = accepted
      ? {
          run_id: step.run_id,
          ...head,
          plan: accepted.plan,
          options: accepted.options,
          session_id: accepted.session_id ?? null,
          request_id: accepted.request_id ?? null,
          runner: accepted.runner ?? null,
          result: step.result ?? null,
        }
      : { ...(log as RunLog).record, ...head, result: step.result ?? (log as RunLog).record.result };
    const stored: StoredStep = { seq: step.seq, at: step.at, events: step.events };
    if (!log) {
      this.#runs.set(step.run_id, { record, steps: [stored], checkpoints: [] });
    } else {
      log.record = record;
      log.steps.push(stored);
    }
    if (step.checkpoint)
      this.#checkpoint(this.#runs.get(step.run_id) as RunLog, { seq: record.last_seq, state: step.checkpoint });
  }

  /** Keeps the new checkpoint and the one before it, and the steps after that one. */
  #checkpoint(log: RunLog, checkpoint: Checkpoint): void {
    log.checkpoints.push(checkpoint);
    if (log.checkpoints.length > 2) log.checkpoints.splice(0, log.checkpoints.length - 2);
    const keepAfter = log.checkpoints.length === 2 ? log.checkpoints[0].seq : 0;
    log.steps = log.steps.filter((s) => s.seq + s.events.length - 1 > keepAfter);
  }

  recordRuntimeEvent(event: Omit<RuntimeEventRecord, 'id'>): void {
    this.#open();
    this.#runtime.push({ id: this.#runtime.length + 1, ...event });
  }

  getRun(runId: string): RunRecord | undefined {
    this.#open();
    return this.#runs.get(runId)?.record;
  }

  listRuns(): RunSummary[] {
    this.#open();
    return [...this.#runs.values()]
      .map(({ record: { plan: _plan, result: _result, ...summary } }) => summary)
      .sort((a, b) => b.created_at - a.created_at || (a.run_id < b.run_id ? 1 : -1));
  }

  latestCheckpoint(runId: string): Checkpoint | undefined {
    this.#open();
    return this.#runs.get(runId)?.checkpoints.at(-1);
  }

  stepsAfter(runId: string, afterSeq: number): StoredStep[] {
    this.#open();
    return (this.#runs.get(runId)?.steps ?? []).filter((s) => s.seq > afterSeq);
  }

  runtimeEvents(limit: number): RuntimeEventRecord[] {
    this.#open();
    return this.#runtime.slice(-limit);
  }

  acquireLease(
    runId: string,
    holder: LeaseHolder,
    now: number,
    ttlMs: number,
    isStale: (lease: Lease) => boolean,
  ): void {
    this.#open();
    checkLease(this.#leases.get(runId), holder, runId, now, isStale);
    this.#leases.set(runId, { run_id: runId, ...holder, expires_at: now + ttlMs });
  }

  releaseLease(runId: string, owner: string): void {
    this.#open();
    if (this.#leases.get(runId)?.owner === owner) this.#leases.delete(runId);
  }

  getLease(runId: string): Lease | undefined {
    this.#open();
    return this.#leases.get(runId);
  }

  prune(endedBefore: number): string[] {
    this.#open();
    const gone: string[] = [];
    for (const [id, log] of this.#runs) {
      if (log.record.ended_at !== null && log.record.ended_at < endedBefore) {
        this.#runs.delete(id);
        this.#leases.delete(id);
        gone.push(id);
      }
    }
    return gone;
  }

  close(): void {
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw new SwitchyardError(ErrorCodes.CLOSED, 'This memory store was closed.');
  }
}
