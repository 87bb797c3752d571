import type { WorkflowRun } from '../../src/actors/workflow-run.js';
import { SimulatedScheduler, type Timer } from '../../src/core/scheduler.js';
import type { AgentExecutionResult, TaskDispatchMessage } from '../../src/index.js';

/**
 * A simulated scheduler that says when a timer of a given length is set — an attempt's deadline
 * armed by the pool once the attempt starts — so a test moves time past it as soon as it exists,
 * waiting on that event rather than on real time or a poll.
 *
 * @example
 * const time = new TimerWatch(0);
 * const rt = await createRuntime({ agents, taskTimeoutMs: 300, retryBackoff: false, scheduler: time });
 * const run = rt.submit(plan);
 * await time.armed(300); // the first attempt's deadline is set
 * await time.advanceAsync(300); // and passes
 */
export class TimerWatch extends SimulatedScheduler {
  /** Per length, timers set that no {@link armed} call has taken yet. */
  readonly #untaken = new Map<number, number>();
  readonly #waiting: Array<{ ms: number; resolve: () => void }> = [];

  override setTimeout(fn: () => void, ms: number): Timer {
    const timer = super.setTimeout(fn, ms);
    const i = this.#waiting.findIndex((w) => w.ms === ms);
    if (i >= 0) this.#waiting.splice(i, 1)[0].resolve();
    else this.#untaken.set(ms, (this.#untaken.get(ms) ?? 0) + 1);
    return timer;
  }

  /** Resolves once a timer of `ms` has been set that no earlier call took (at once if one was). */
  armed(ms: number): Promise<void> {
    const untaken = this.#untaken.get(ms) ?? 0;
    if (untaken > 0) {
      this.#untaken.set(ms, untaken - 1);
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push({ ms, resolve }));
  }
}

/**
 * Moves `time` on by `ms` each time a timer of `ms` is armed, once every attempt still open is
 * one of a task that `hangs` (a handler that never ends), until `run` ends: each such attempt
 * meets its `ms` deadline with no real time waited, while an attempt that does end is never
 * timed out by time moving under it.
 */
export async function passEachDeadline(
  time: TimerWatch,
  ms: number,
  run: Pick<WorkflowRun, 'on' | 'off' | 'result'>,
  hangs: (taskId: string) => boolean,
): Promise<void> {
  const open = new Map<string, string>();
  let changed: (() => void) | undefined;
  const onDispatch = (m: TaskDispatchMessage) => {
    const d = m.output.content.dispatch;
    open.set(`${d.task_id}#${d.attempt}`, d.task_id);
    changed?.();
  };
  const onResult = (r: AgentExecutionResult) => {
    open.delete(`${r.task_id}#${r.attempt}`);
    changed?.();
  };
  run.on('dispatch', onDispatch);
  run.on('result', onResult);
  let ended = false;
  const end = run.result.then(
    () => void (ended = true),
    () => void (ended = true),
  );
  const onlyHanging = () => [...open.values()].every(hangs);
  try {
    for (;;) {
      await Promise.race([time.armed(ms), end]);
      while (!ended && !onlyHanging()) await Promise.race([new Promise<void>((r) => (changed = r)), end]);
      if (ended) return;
      await time.advanceAsync(ms);
    }
  } finally {
    run.off('dispatch', onDispatch);
    run.off('result', onResult);
  }
}
