import type { WorkflowRun } from '../actors/workflow-run.js';
import type { Scheduler } from '../core/scheduler.js';
import type { AttemptRecord } from '../protocol/execution-result.js';
import { TokenUsageSchema } from '../protocol/token-usage.js';

/**
 * Every attempt of one run, from its `dispatch` and `result` events, timed on the runtime's
 * scheduler (so a run on simulated time gives the same records every time). Attach it before
 * the run begins (right after `submit`: a run dispatches nothing in the turn it is submitted).
 */
export class AttemptLog {
  readonly #scheduler: Pick<Scheduler, 'now'>;
  /** Per task, its attempts in the order they went out. */
  readonly #byTask = new Map<string, AttemptRecord[]>();
  /** Tasks whose attempt was sent again (by a resume) while this log followed the run. */
  readonly #resent: string[] = [];
  /** The attempts seen going out while this log followed the run. */
  readonly #sent = new WeakSet<AttemptRecord>();

  /** With `recorded`, starts from those attempts (a resumed run's, read from its journal). */
  constructor(scheduler: Pick<Scheduler, 'now'>, recorded?: ReadonlyMap<string, readonly AttemptRecord[]>) {
    this.#scheduler = scheduler;
    for (const [taskId, list] of recorded ?? [])
      this.#byTask.set(
        taskId,
        list.map((a) => ({ ...a })),
      );
  }

  /** Follows `run`'s events. */
  follow(run: Pick<WorkflowRun, 'on'>): this {
    run.on('dispatch', (m) => {
      const d = m.output.content.dispatch;
      this.dispatched(d.task_id, d.attempt, m.next_agent?.name ?? 'unknown');
    });
    run.on('result', (r) => {
      const failed = r.outcome.status === 'failed' ? r.outcome.error : undefined;
      const summary = r.outcome.status === 'complete' ? r.outcome.summary : undefined;
      // Read defensively: a runtime of another version may send no usage, or a malformed one.
      const usage = TokenUsageSchema.safeParse((r as { usage?: unknown }).usage);
      this.ended(r.task_id, r.attempt, {
        runtimeId: r.runtime_id,
        ...(failed
          ? { status: 'failed', error: { code: failed.code, message: failed.message, recoverable: failed.recoverable } }
          : { status: 'complete' }),
        ...(summary === undefined ? {} : { summary }),
        ...(usage.success ? { usage: usage.data } : {}),
      });
    });
    return this;
  }

  /**
   * An attempt went out. The same attempt again is a resume sending what a stop cut off: an
   * unfinished one is timed from now (`resentAt`), since its first sending's end is unknown.
   */
  dispatched(taskId: string, attempt: number, agent: string): void {
    const list = this.#byTask.get(taskId) ?? [];
    const known = list.find((a) => a.attempt === attempt);
    if (known) {
      if (known.status === 'unfinished' && !this.#sent.has(known)) {
        known.resentAt = this.#scheduler.now();
        this.#resent.push(taskId);
        this.#sent.add(known);
      }
      return;
    }
    const record: AttemptRecord = {
      attempt,
      agent,
      runtimeId: null,
      dispatchedAt: this.#scheduler.now(),
      endedAt: null,
      durationMs: null,
      status: 'unfinished',
    };
    list.push(record);
    this.#sent.add(record);
    this.#byTask.set(taskId, list);
  }

  /** An attempt ended; a result for an attempt never seen going out (a resumed run's) is kept, untimed. */
  ended(
    taskId: string,
    attempt: number,
    outcome: Pick<AttemptRecord, 'status' | 'error' | 'summary' | 'usage' | 'runtimeId'> & { agent?: string },
  ): void {
    const now = this.#scheduler.now();
    const list = this.#byTask.get(taskId) ?? [];
    let record = list.find((a) => a.attempt === attempt);
    if (record === undefined) {
      record = {
        attempt,
        agent: outcome.agent ?? 'unknown',
        runtimeId: null,
        dispatchedAt: now,
        endedAt: null,
        durationMs: null,
        status: 'unfinished',
      };
      list.push(record);
      this.#byTask.set(taskId, list);
    }
    if (record.status !== 'unfinished') return; // a late duplicate changes nothing, as in the core
    const { agent: _agent, ...rest } = outcome;
    const from = record.resentAt ?? record.dispatchedAt;
    Object.assign(record, rest, { endedAt: now, durationMs: Math.max(0, now - from) });
  }

  /** Tasks whose attempt went out again while this log followed the run (a resume's), in order. */
  resent(): readonly string[] {
    return this.#resent;
  }

  /** The attempts of `taskId`, in order. */
  attempts(taskId: string): readonly AttemptRecord[] {
    return this.#byTask.get(taskId) ?? [];
  }
}
