import type { Logger } from 'pino';
import type { Scheduler, Timer } from '../core/scheduler.js';
import type { TriggerAgent } from '../protocol/runtime-events.js';
import type { HeldAttempts } from './held-attempts.js';
import type { ResultPublisher } from './result-publisher.js';
import type { AttemptSink, WorkerHandle } from './worker-handle.js';
import type { ExecuteResult } from './worker-protocol.js';

/** What every {@link BusAttempt} of a pool shares: one object, not a closure per attempt. */
export interface BusAttemptHost {
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  readonly results: ResultPublisher;
  readonly held: HeldAttempts;
  /** After a timeout aborts a handler, how long it may take to settle before its worker is killed. */
  readonly killGraceMs: number;
  /** Kills the worker of a runtime (the pool replaces it). */
  terminate(runtimeId: string): void;
}

/**
 * One attempt on one runtime, from its trigger to its result: what the worker handle tells of
 * it goes here. It runs the attempt's deadline: past it, the handler is aborted and the attempt
 * reported as a recoverable `TIMEOUT`; a handler that still has not settled after the grace
 * period has its worker killed.
 */
export class BusAttempt implements AttemptSink {
  #settled = false;
  #deadline: Timer | undefined;
  #killer: Timer | undefined;

  constructor(
    readonly host: BusAttemptHost,
    readonly handle: WorkerHandle,
    readonly trigger: TriggerAgent,
    readonly timeoutMs: number,
  ) {}

  // The deadline runs from when the attempt starts: an attempt the worker holds (its
  // prefetch) waits for a running one to end first.
  started(): void {
    this.#deadline = this.host.scheduler.setTimeout(() => this.#timedOut(), this.timeoutMs);
  }

  done(result: ExecuteResult): void {
    this.#stopTimers();
    if (this.#settled) return;
    this.#settled = true;
    this.host.results.publish(this.trigger, this.handle.runtimeId, result, this.handle.takesOne);
  }

  /** Given back unstarted: no result; the dispatcher places it again, maybe here. */
  reclaimed(): void {
    this.#stopTimers();
    this.#settled = true;
    const { host, handle, trigger } = this;
    host.held.giveBack(handle.runtimeId, trigger.request_id);
    host.results.reclaimed(handle.runtimeId, trigger.request_id);
  }

  #timedOut(): void {
    const { host, handle, trigger, timeoutMs } = this;
    this.#settled = true;
    handle.cancel(trigger.request_id);
    host.logger.warn(
      { runtime_id: handle.runtimeId, request_id: trigger.request_id, timeout_ms: timeoutMs },
      'attempt timed out',
    );
    const message = `${trigger.task_id} attempt ${trigger.attempt} ran past its ${timeoutMs} ms deadline and was aborted.`;
    host.results.publish(
      trigger,
      handle.runtimeId,
      {
        type: 'failed',
        request_id: trigger.request_id,
        error: { name: 'SwitchyardError', code: 'TIMEOUT', message, recoverable: true },
      },
      handle.takesOne,
    );
    this.#killer = host.scheduler.setTimeout(() => {
      host.logger.error(
        { runtime_id: handle.runtimeId, request_id: trigger.request_id },
        'handler ignored its abort signal; killing the worker',
      );
      host.terminate(handle.runtimeId);
    }, host.killGraceMs);
  }

  #stopTimers(): void {
    this.host.scheduler.clearTimeout(this.#deadline);
    this.host.scheduler.clearTimeout(this.#killer);
  }
}
