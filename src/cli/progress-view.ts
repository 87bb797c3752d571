import type { RunProgress } from '../actors/workflow-supervisor.js';
import type { TaskDispatchMessage } from '../protocol/dispatch-output.js';
import type { AgentExecutionResult } from '../protocol/runtime-events.js';

/** Where a progress view writes, and whether it is a terminal (a bar) or not (plain lines). */
export interface ProgressSink {
  write(text: string): void;
  readonly tty: boolean;
}

const WIDTH = 24;

/**
 * Shows a run as it goes: on a terminal, one bar line rewritten in place; elsewhere, one plain
 * line per dispatch and result, so logs stay readable.
 */
export class ProgressView {
  readonly #sink: ProgressSink;
  readonly #running = new Set<string>();
  #last: RunProgress | undefined;

  constructor(sink: ProgressSink) {
    this.#sink = sink;
  }

  dispatch(message: TaskDispatchMessage): void {
    const d = message.output.content.dispatch;
    this.#running.add(d.task_id);
    if (!this.#sink.tty) this.#sink.write(`→ ${d.task_id} attempt ${d.attempt} to ${message.next_agent?.name ?? '?'} (group ${d.execution_group})\n`);
    else this.#draw();
  }

  result(result: AgentExecutionResult): void {
    this.#running.delete(result.task_id);
    if (this.#sink.tty) return;
    if (result.outcome.status === 'complete') this.#sink.write(`✓ ${result.task_id} attempt ${result.attempt}\n`);
    else this.#sink.write(`✗ ${result.task_id} attempt ${result.attempt}: ${result.outcome.error.code} (${result.outcome.error.recoverable ? 'recoverable' : 'not recoverable'}) ${result.outcome.error.message}\n`);
  }

  progress(progress: RunProgress): void {
    this.#last = progress;
    if (this.#sink.tty) this.#draw();
  }

  /** Ends the bar line. */
  finish(): void {
    if (this.#sink.tty) this.#sink.write('\n');
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
