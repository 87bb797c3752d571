import { row } from '../graph/csr.js';
import { type TaskEvent, taskActions, taskGuards } from '../machines/task-fields.js';
import { E, S, transitionsOf } from '../machines/task-table.js';
import { type CompiledPlan, R } from './compiled-plan.js';
import { deadlockError } from './dispatch-deadlock.js';
import { cancelRefusal, resultRefusal } from './dispatch-refusals.js';
import {
  type CancelRefusal,
  type DispatchRecord,
  type FailureRecord,
  type Outcome,
  type Refusal,
  type RunError,
  type RunStatus,
} from './dispatch-records.js';
import type { ResolvedOptions } from './options.js';
import { TaskCursor } from './task-cursor.js';

// The records travel with the core that makes them: actors, the journal and the benches import them from here.
export type {
  CancelRefusal,
  DispatchRecord,
  FailureRecord,
  Outcome,
  Refusal,
  RunError,
  RunStatus,
} from './dispatch-records.js';
export { statusName } from './dispatch-records.js';

/**
 * What runs task transitions. By default the core runs the compact table derived from
 * `taskMachine`; an engine can run them on live actors instead (the inspector mode), as long
 * as it updates the task's fields in the core's columns the same way.
 */
export interface TaskEngine {
  /** Applies `event` to task `v`; the new status code, or `-1` when the state ignores the event. */
  fire(v: number, event: TaskEvent): number;
  /** Brings the engine's own task states to the core's statuses and fields (after a restore). */
  sync?(): void;
}

/** Optional hooks of a {@link DispatchCore}. */
export interface CoreHooks {
  /** Builds the engine that runs task transitions (default: the derived table). */
  readonly engine?: (core: DispatchCore) => TaskEngine;
  /** Told about every task transition, in order. */
  readonly onTransition?: (task: number, event: TaskEvent, from: number, to: number) => void;
  /** Told when a result resolves a pending ref (after its status and URI are set). */
  readonly onRefResolved?: (ref: number) => void;
}

/**
 * The deterministic heart of Switchyard: seed 003's dispatch rules over compact arrays.
 * Task transitions go through the table derived from `taskMachine`; everything else — the
 * ready rule, the group barrier, ref resolution, retries, skipping, fusion on partial input,
 * completion and deadlock — lives here. No clock is read: callers set {@link now}.
 *
 * A core is mutable; `step` keeps purity by rebuilding one from the state it is given.
 */
export class DispatchCore {
  readonly plan: CompiledPlan;
  readonly options: ResolvedOptions;
  /** Epoch milliseconds of the current step, `NaN` when unknown. */
  now = Number.NaN;

  readonly status: Uint8Array;
  readonly attempts: Int32Array;
  readonly dispatchedAt: Float64Array;
  readonly completedAt: Float64Array;
  readonly assigned: Array<string | null>;
  readonly summary: Array<string | null>;
  /** Root failed task behind each skip, `-1` otherwise. */
  readonly skipCause: Int32Array;
  /** Dependencies not yet complete; dependencies terminal; dependencies failed or skipped. */
  readonly remaining: Int32Array;
  readonly terminalPreds: Int32Array;
  readonly blockedPreds: Int32Array;
  /** Input refs still pending (dropped ones excluded for fusion tasks); dead inputs of other tasks. */
  readonly pendingIn: Int32Array;
  readonly deadIn: Int32Array;

  readonly refStatus: Uint8Array;
  readonly refUri: Array<string | null>;
  readonly refAsset: Array<string | undefined>;
  /** Producers of each ref that failed or were skipped; 1 once all of them did (the ref is unavailable). */
  readonly refFailedProducers: Int32Array;
  readonly refDead: Uint8Array;

  /** Non-terminal tasks per group ordinal, and the lowest ordinal that still has some. */
  readonly nonTerminal: Int32Array;
  cur = 0;
  readonly groupStarted: Float64Array;
  readonly groupCompleted: Float64Array;

  /** Tasks per status code. */
  readonly counts = new Int32Array(6);
  readonly failureLog: FailureRecord[] = [];
  runStatus: RunStatus = 'running';
  runError: RunError | undefined;
  /** Attempts sent out since the last {@link drain}. */
  dispatched: DispatchRecord[] = [];

  readonly #cursor: TaskCursor;
  readonly #engine: TaskEngine | undefined;
  readonly #onTransition: CoreHooks['onTransition'];
  readonly #onRefResolved: CoreHooks['onRefResolved'];
  readonly #work: number[] = [];
  #impact: number[] | undefined;
  /** Set by {@link halt}: a task that becomes ready is no longer sent. */
  #halted = false;

  constructor(plan: CompiledPlan, options: ResolvedOptions, hooks: CoreHooks = {}) {
    this.plan = plan;
    this.options = options;
    const n = plan.n;
    this.status = new Uint8Array(n);
    this.attempts = new Int32Array(n);
    this.dispatchedAt = new Float64Array(n).fill(Number.NaN);
    this.completedAt = new Float64Array(n).fill(Number.NaN);
    this.assigned = new Array<string | null>(n).fill(null);
    this.summary = new Array<string | null>(n).fill(null);
    this.skipCause = new Int32Array(n).fill(-1);
    this.remaining = new Int32Array(n);
    this.terminalPreds = new Int32Array(n);
    this.blockedPreds = new Int32Array(n);
    this.pendingIn = new Int32Array(n);
    this.deadIn = new Int32Array(n);
    const refs = plan.refIds.length;
    this.refStatus = plan.refStatus0.slice();
    this.refUri = plan.refUri0.slice();
    this.refAsset = plan.refAsset.slice();
    this.refFailedProducers = new Int32Array(refs);
    this.refDead = new Uint8Array(refs);
    const groups = plan.groupNumbers.length;
    this.nonTerminal = new Int32Array(groups);
    this.groupStarted = new Float64Array(groups).fill(Number.NaN);
    this.groupCompleted = new Float64Array(groups).fill(Number.NaN);
    this.#cursor = new TaskCursor(this, options.maxAttempts);
    this.#onTransition = hooks.onTransition;
    this.#onRefResolved = hooks.onRefResolved;
    this.counts[S.pending] = n;
    for (let v = 0; v < n; v++) {
      this.remaining[v] = plan.preds.start[v + 1] - plan.preds.start[v];
      this.nonTerminal[plan.groupOrd[v]]++;
      let pending = 0;
      for (let k = plan.inputs.start[v]; k < plan.inputs.start[v + 1]; k++)
        if (this.refStatus[plan.inputs.list[k]] === R.pending) pending++;
      this.pendingIn[v] = pending;
    }
    this.#engine = hooks.engine?.(this);
  }

  /** Tells the engine that the core's task statuses and fields were set from outside (a restore). */
  syncEngine(): void {
    this.#engine?.sync?.();
  }

  /** Starts a fresh run: marks what is ready and dispatches what may go. */
  begin(): void {
    for (let v = 0; v < this.plan.n; v++) this.#evaluate(v, -1);
    this.#settle();
  }

  /** Takes the attempts sent out since the last call. */
  drain(): DispatchRecord[] {
    const out = this.dispatched;
    this.dispatched = [];
    return out;
  }

  /**
   * Sends again the live attempt of every task in progress, as records for {@link drain}
   * (attempt numbers unchanged): what a resumed run does with the attempts a crash cut off.
   */
  redispatch(): void {
    for (let v = 0; v < this.plan.n; v++) if (this.status[v] === S.in_progress) this.dispatched.push(this.#record(v));
  }

  /**
   * Why a result for attempt `attempt` of task `v` cannot be applied, or `undefined` when it
   * can: the run has ended, the task is not in progress, or the attempt is not the live one.
   */
  refusal(v: number, attempt: number | undefined): Refusal | undefined {
    return resultRefusal(this, v, attempt);
  }

  /** Applies the result of the live attempt of task `v` (check {@link refusal} first). */
  result(v: number, outcome: Outcome): void {
    if (outcome.ok) this.#succeed(v, outcome);
    else this.#fail(v, outcome);
    this.#settle();
  }

  /** Why task `v` cannot be cancelled (it or the run has ended: `TASK_ENDED`), or `undefined` when it can. */
  cancelRefusal(v: number): CancelRefusal | undefined {
    return cancelRefusal(this, v);
  }

  /**
   * Cancels task `v` (check {@link cancelRefusal} first): whatever it was doing, it ends
   * `failed` with `CANCELLED`, not retried, with a `failure_log` entry; its dependents are then
   * skipped by the seed's usual rules (fusion tasks included) and independent branches go on.
   * Not one of seed 003's operations: `step` never calls it; a live run does, and replay.
   */
  cancel(v: number, reason: string): void {
    this.#fire(v, { type: 'CANCEL', at: this.#at(), reason });
    this.#final(v, 'CANCELLED', reason);
    this.#settle();
  }

  /**
   * Ends the run at its deadline: every task in progress fails with `code` (not retried), its
   * dependents are skipped, nothing more is sent, and the run is `failed` with `code` — seed
   * 003's rule for a run that cannot finish (tasks remain and none may go out), with its own
   * reason. Tasks that were waiting stay pending or ready: they never ran.
   */
  halt(code: 'RUN_DEADLINE_EXCEEDED', message: string): void {
    if (this.runStatus !== 'running') return;
    this.#halted = true;
    for (let v = 0; v < this.plan.n; v++) {
      if (this.status[v] !== S.in_progress) continue;
      this.#fire(v, { type: 'FAIL', at: this.#at(), recoverable: false, message });
      this.#final(v, code, message);
    }
    const notRun: string[] = [];
    for (let v = 0; v < this.plan.n; v++) if (this.status[v] < S.in_progress) notRun.push(this.plan.ids[v]);
    this.runStatus = 'failed';
    this.runError = { code, message, details: { not_run: notRun } };
  }

  /** Number of tasks that are not yet terminal. */
  get open(): number {
    return this.counts[S.pending] + this.counts[S.ready] + this.counts[S.in_progress];
  }

  #fire(v: number, event: TaskEvent): boolean {
    const from = this.status[v];
    const to = this.#engine ? this.#engine.fire(v, event) : this.#tableFire(v, event);
    if (to < 0) return false;
    this.counts[from]--;
    this.status[v] = to;
    this.counts[to]++;
    this.#onTransition?.(v, event, from, to);
    return true;
  }

  /** Runs one transition through the derived table with the machine's own guards and actions. */
  #tableFire(v: number, event: TaskEvent): number {
    const candidates = transitionsOf(this.status[v], E[event.type]);
    if (!candidates) return -1;
    const cursor = this.#cursor;
    cursor.v = v;
    for (const t of candidates) {
      if (t.guard !== undefined && !taskGuards[t.guard](cursor, event)) continue;
      for (const action of t.actions) taskActions[action](cursor, event);
      return t.target;
    }
    return -1;
  }

  #succeed(v: number, outcome: Extract<Outcome, { ok: true }>): void {
    const { plan } = this;
    const resolved: number[] = [];
    for (const p of outcome.produced) {
      if (this.refStatus[p.ref] !== R.pending) continue;
      this.refStatus[p.ref] = p.status ?? (plan.refKind[p.ref] === 'storage' ? R.stored : R.created);
      this.refUri[p.ref] = p.uri;
      if (p.asset !== undefined) this.refAsset[p.ref] = p.asset;
      resolved.push(p.ref);
      for (const w of row(plan.readers, p.ref)) this.pendingIn[w]--;
      this.#onRefResolved?.(p.ref);
    }
    this.#fire(v, { type: 'SUCCEED', at: this.#at(), summary: outcome.summary });
    this.#terminal(v);
    for (const w of row(plan.succs, v)) {
      this.remaining[w]--;
      this.terminalPreds[w]++;
    }
    for (const r of resolved) for (const w of row(plan.readers, r)) this.#evaluate(w, -1);
    for (const w of row(plan.succs, v)) this.#evaluate(w, -1);
  }

  #fail(v: number, outcome: Extract<Outcome, { ok: false }>): void {
    const { code, message, recoverable } = outcome;
    this.#fire(v, { type: 'FAIL', at: this.#at(), recoverable, message });
    if (this.status[v] !== S.ready) return this.#final(v, code, message, recoverable);
    const attempts = this.attempts[v];
    this.failureLog.push({ task: v, code, message, attempts, recoverable, at: this.now, retried: true, impact: [] });
    this.#dispatch(v);
  }

  /** Logs the final failure of `v` (its last attempt failed, it was cancelled, or the deadline passed) and skips what it blocks. */
  #final(v: number, code: string, message: string, recoverable = false): void {
    const record: FailureRecord = {
      task: v,
      code,
      message,
      attempts: this.attempts[v],
      recoverable,
      at: this.now,
      retried: false,
      impact: [],
    };
    this.failureLog.push(record);
    this.#impact = record.impact;
    this.#terminal(v);
    this.#propagate(v);
    this.#impact = undefined;
  }

  /** Skips everything that can no longer run because `first` failed or was skipped. */
  #propagate(first: number): void {
    const { plan } = this;
    const work = this.#work;
    work.push(first);
    while (work.length > 0) {
      const u = work.pop() as number;
      const root = this.status[u] === S.failed ? u : this.skipCause[u];
      for (const w of row(plan.succs, u)) {
        this.terminalPreds[w]++;
        this.blockedPreds[w]++;
      }
      for (const r of row(plan.outputs, u)) {
        if (this.refStatus[r] !== R.pending || this.refDead[r]) continue;
        if (++this.refFailedProducers[r] < plan.producers.start[r + 1] - plan.producers.start[r]) continue;
        this.refDead[r] = 1;
        for (const w of row(plan.readers, r)) {
          if (plan.fusion[w]) this.pendingIn[w]--;
          else this.deadIn[w]++;
        }
      }
      for (const w of row(plan.succs, u)) this.#evaluate(w, root);
      for (const r of row(plan.outputs, u))
        if (this.refDead[r]) for (const w of row(plan.readers, r)) this.#evaluate(w, root);
    }
  }

  /** Moves a pending task on if it can: to ready, or to skipped (queued for propagation). */
  #evaluate(v: number, root: number): void {
    if (this.status[v] !== S.pending) return;
    const { plan } = this;
    const indegree = plan.preds.start[v + 1] - plan.preds.start[v];
    if (plan.fusion[v]) {
      if (this.terminalPreds[v] < indegree) return;
      if (indegree > 0 && !this.#anyDependencyComplete(v)) this.#skip(v, root);
      else if (this.pendingIn[v] === 0) this.#ready(v);
      return;
    }
    if (this.blockedPreds[v] > 0 || this.deadIn[v] > 0) this.#skip(v, root);
    else if (this.remaining[v] === 0 && this.pendingIn[v] === 0) this.#ready(v);
  }

  /**
   * Whether a fusion task has a completed dependency, so that it may run on partial input.
   * Its dependencies are the tasks it declares in `depends_on`; refs it reads from further
   * upstream do not count (DESIGN: all dependencies terminal and at least one complete). A
   * task that declares none depends on the producers of its input refs instead. Called once
   * all its dependencies are terminal, so rarely: the declared ids are looked up here rather
   * than kept per task.
   */
  #anyDependencyComplete(v: number): boolean {
    const { plan } = this;
    const declared = plan.tasks[v].depends_on;
    if (declared.length === 0) {
      for (const u of row(plan.preds, v)) if (this.status[u] === S.complete) return true;
      return false;
    }
    for (const id of declared) {
      const u = plan.index(id);
      if (u !== undefined && this.status[u] === S.complete) return true;
    }
    return false;
  }

  #ready(v: number): void {
    this.#fire(v, { type: 'READY' });
    if (!this.#halted && (this.options.policy === 'dependency' || this.plan.groupOrd[v] === this.cur))
      this.#dispatch(v);
  }

  #skip(v: number, root: number): void {
    const cause = root >= 0 ? root : this.#rootOf(v);
    this.#fire(v, { type: 'SKIP', at: this.#at(), reason: this.#skipReason(v, cause) });
    this.skipCause[v] = cause;
    this.#impact?.push(v);
    this.#terminal(v);
    this.#work.push(v);
  }

  /** The failed task behind a skip, found from the task's blocked dependencies or dead refs. */
  #rootOf(v: number): number {
    const { plan } = this;
    for (const u of row(plan.preds, v)) {
      if (this.status[u] === S.failed) return u;
      if (this.status[u] === S.skipped) return this.skipCause[u];
    }
    for (const r of row(plan.inputs, v)) {
      if (!this.refDead[r]) continue;
      for (const p of row(plan.producers, r)) {
        if (this.status[p] === S.failed) return p;
        if (this.status[p] === S.skipped) return this.skipCause[p];
      }
    }
    return -1;
  }

  /**
   * The seed's skip reason. It names an input ref that `cause` made unavailable (one of its
   * producers is `cause` or was skipped because of it), else the first unavailable one: so a
   * fusion task whose several dependencies failed is not told that one failure lost another's ref.
   */
  #skipReason(v: number, cause: number): string {
    const { plan } = this;
    const upstream = cause >= 0 ? plan.ids[cause] : 'an upstream task';
    let first = -1;
    for (const r of row(plan.inputs, v)) {
      if (this.refStatus[r] !== R.pending) continue;
      let lost = this.refDead[r] === 1;
      for (const p of row(plan.producers, r)) {
        if (this.status[p] !== S.failed && this.status[p] !== S.skipped) continue;
        if (cause >= 0 && (p === cause || this.skipCause[p] === cause))
          return `Upstream dependency ${upstream} failed; required input_ref ${plan.refIds[r]} unavailable`;
        lost = true;
      }
      if (lost && first < 0) first = r;
    }
    return first >= 0
      ? `Upstream dependency ${upstream} failed; required input_ref ${plan.refIds[first]} unavailable`
      : `Upstream dependency ${upstream} failed`;
  }

  #dispatch(v: number): void {
    const { plan } = this;
    this.#fire(v, { type: 'DISPATCH', at: this.#at(), agent: this.options.routes[plan.route[v]].agent });
    const g = plan.groupOrd[v];
    if (Number.isNaN(this.groupStarted[g])) this.groupStarted[g] = this.now;
    this.dispatched.push(this.#record(v));
  }

  /** The record of task `v`'s live attempt, with the progress counts of now. */
  #record(v: number): DispatchRecord {
    let dropped: number[] = NONE;
    if (this.plan.fusion[v]) {
      for (const r of row(this.plan.inputs, v))
        if (this.refDead[r]) (dropped === NONE ? (dropped = []) : dropped).push(r);
    }
    return {
      task: v,
      attempt: this.attempts[v],
      completed: this.counts[S.complete],
      inProgress: this.counts[S.in_progress],
      pending: this.counts[S.pending] + this.counts[S.ready],
      failed: this.counts[S.failed],
      dropped,
    };
  }

  #terminal(v: number): void {
    const g = this.plan.groupOrd[v];
    if (--this.nonTerminal[g] === 0) this.groupCompleted[g] = this.now;
  }

  /** Advances the group barrier, dispatching each newly current group's ready tasks; then checks for the end. */
  #settle(): void {
    const { plan } = this;
    const groups = plan.groupNumbers.length;
    while (this.cur < groups && this.nonTerminal[this.cur] === 0) {
      this.cur++;
      if (this.cur === groups || this.options.policy !== 'strict') continue;
      for (const v of row(plan.groupTasks, this.cur)) if (this.status[v] === S.ready) this.#dispatch(v);
    }
    this.#checkEnd();
  }

  #checkEnd(): void {
    if (this.runStatus !== 'running' || this.counts[S.in_progress] > 0) return;
    if (this.open === 0) {
      this.runStatus = this.counts[S.complete] === this.plan.n ? 'complete' : 'partial';
      return;
    }
    this.runStatus = 'failed';
    this.runError = deadlockError(this);
  }

  #at(): number | null {
    return Number.isNaN(this.now) ? null : this.now;
  }
}

const NONE: number[] = [];
