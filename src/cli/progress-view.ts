import type { RunProgress } from '../actors/run-progress.js';
import type { TaskDispatchMessage } from '../protocol/dispatch-output.js';
import type { AgentExecutionResult } from '../protocol/runtime-events.js';

/** Where a progress view writes, and whether it is a terminal (a bar) or not (plain lines). */
export interface ProgressSink {
  write(text: string): void;
  readonly tty: boolean;
}

/** What the view reads from the run's state when an attempt ended with no result to show. */
export interface ProgressState {
  readonly task_states: Readonly<Record<string, { readonly status: string }>>;
  readonly failure_log: ReadonlyArray<{
    readonly task_id: string;
    readonly attempts: number;
    readonly error_code: string;
    readonly error_message: string;
    readonly recoverable: boolean;
  }>;
}

const WIDTH = 24;

/**
 * Shows a run as it goes: on a terminal, one bar line rewritten in place; elsewhere, one plain
 * line per dispatch and result, so logs stay readable. An attempt that ended without a result
 * from a runtime — no runtime serves it (`CAPABILITY_NOT_AVAILABLE`), its result was lost —
 * is found in the run's state (`state`, read only then) and gets its `✗` line too.
 */
export class ProgressView {
  readonly #sink: ProgressSink;
  readonly #state: (() => ProgressState) | undefined;
  readonly #running = new Set<string>();
  #last: RunProgress | undefined;

  constructor(sink: ProgressSink, state?: () => ProgressState) {
    this.#sink = sink;
    this.#state = state;
  }

  dispatch(message: TaskDispatchMessage): void {
    const d = message.output.content.dispatch;
    this.#running.add(d.task_id);
    if (!this.#sink.tty)
      this.#sink.write(
        `→ ${d.task_id} attempt ${d.attempt} to ${message.next_agent?.name ?? '?'} (group ${d.execution_group})\n`,
      );
    else this.#draw();
  }

  result(result: AgentExecutionResult): void {
    this.#running.delete(result.task_id);
    if (result.outcome.status === 'complete') this.#line(`✓ ${result.task_id} attempt ${result.attempt}`);
    else
      this.#failed(
        result.task_id,
        result.attempt,
        result.outcome.error.code,
        result.outcome.error.recoverable,
        result.outcome.error.message,
      );
  }

  progress(progress: RunProgress): void {
    this.#last = progress;
    // Fewer attempts out than the view saw go: some ended without a result event.
    if (progress.task === undefined && progress.in_progress < this.#running.size) this.#settleSilent();
    if (this.#sink.tty) this.#draw();
  }

  /** Ends the bar line; nothing runs any more. */
  finish(): void {
    if (!this.#sink.tty) return;
    this.#running.clear();
    this.#draw();
    this.#sink.write('\n');
  }

  #settleSilent(): void {
    const state = this.#state?.();
    if (!state) return;
    for (const id of this.#running) {
      if (state.task_states[id]?.status === 'in_progress') continue;
      this.#running.delete(id);
      const last = state.failure_log.findLast((f) => f.task_id === id);
      if (last) this.#failed(id, last.attempts, last.error_code, last.recoverable, last.error_message);
    }
  }

  #failed(taskId: string, attempt: number, code: string, recoverable: boolean, message: string): void {
    this.#line(
      `✗ ${taskId} attempt ${attempt}: ${code} (${recoverable ? 'recoverable' : 'not recoverable'}) ${message}`,
    );
  }

  #line(text: string): void {
    if (!this.#sink.tty) this.#sink.write(`${text}\n`);
  }

  #draw(): void {
    const p = this.#last;
    if (!p) return;
    const done = p.completed + p.failed + p.skipped;
    const filled = p.total === 0 ? WIDTH : Math.round((done / p.total) * WIDTH);
    const running = [...this.#running].slice(0, 4).join(', ') + (this.#running.size > 4 ? ', …' : '');
    const bar = `[${'█'.repeat(filled)}${'░'.repeat(WIDTH - filled)}] ${p.completed}/${p.total} complete`;
    const extra = `${p.failed ? ` · ${p.failed} failed` : ''}${p.skipped ? ` · ${p.skipped} skipped` : ''}${running ? ` · running ${running}` : ''}`;
    this.#sink.write(`\r\u001b[2K${bar}${extra}`);
  }
}
