import type { TaskFields } from '../machines/task-fields.js';

/** The per-task arrays a {@link TaskCursor} reads and writes. */
export interface TaskColumns {
  readonly attempts: Int32Array;
  readonly dispatchedAt: Float64Array;
  readonly completedAt: Float64Array;
  readonly assigned: Array<string | null>;
  readonly summary: Array<string | null>;
}

/**
 * {@link TaskFields} over the compact per-task arrays of one task (`v`), so the machine's own
 * guards and actions run unchanged on them. Times are `NaN` in the arrays for `null`.
 */
export class TaskCursor implements TaskFields {
  v = 0;
  readonly #cols: TaskColumns;
  readonly max_attempts: number;

  constructor(columns: TaskColumns, maxAttempts: number) {
    this.#cols = columns;
    this.max_attempts = maxAttempts;
  }

  get attempts(): number {
    return this.#cols.attempts[this.v];
  }
  set attempts(value: number) {
    this.#cols.attempts[this.v] = value;
  }
  get dispatched_at(): number | null {
    const t = this.#cols.dispatchedAt[this.v];
    return Number.isNaN(t) ? null : t;
  }
  set dispatched_at(value: number | null) {
    this.#cols.dispatchedAt[this.v] = value ?? Number.NaN;
  }
  get completed_at(): number | null {
    const t = this.#cols.completedAt[this.v];
    return Number.isNaN(t) ? null : t;
  }
  set completed_at(value: number | null) {
    this.#cols.completedAt[this.v] = value ?? Number.NaN;
  }
  get assigned_agent(): string | null {
    return this.#cols.assigned[this.v];
  }
  set assigned_agent(value: string | null) {
    this.#cols.assigned[this.v] = value;
  }
  get result_summary(): string | null {
    return this.#cols.summary[this.v];
  }
  set result_summary(value: string | null) {
    this.#cols.summary[this.v] = value;
  }
}
