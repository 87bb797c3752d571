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

  constructor(scheduler: Pick<Scheduler, 'now'>) {
    this.#scheduler = scheduler;
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

  /** An attempt went out. */
  dispatched(taskId: string, attempt: number, agent: string): void {
    const list = this.#byTask.get(taskId) ?? [];
    if (list.some((a) => a.attempt === attempt)) return; // the same attempt sent again after a resume
    list.push({
      attempt,
      agent,
      runtimeId: null,
      dispatchedAt: this.#scheduler.now(),
      endedAt: null,
      durationMs: null,
      status: 'unfinished',
    });
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
    Object.assign(record, rest, { endedAt: now, durationMs: Math.max(0, now - record.dispatchedAt) });
  }

  /** The attempts of `taskId`, in order. */
  attempts(taskId: string): readonly AttemptRecord[] {
    return this.#byTask.get(taskId) ?? [];
  }
}
