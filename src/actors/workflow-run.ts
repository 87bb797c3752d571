import { EventEmitter } from 'node:events';
import type { Actor } from 'xstate';
import type { BusMessage, Subscription } from '../bus/bus.js';
import type { CompiledPlan } from '../core/compiled-plan.js';
import { type DispatchCore, type DispatchRecord, type Outcome } from '../core/dispatch-core.js';
import { dispatchContent, dispatchEnvelope, type EnvelopeContext, workflowResult } from '../core/envelopes.js';
import type { DispatchState } from '../core/run-state.js';
import { planBlock, snapshot } from '../core/state-codec.js';
import { isoClock } from '../core/time.js';
import { recordOutcome } from '../journal/replay.js';
import type { RunJournal } from '../journal/run-journal.js';
import type { TaskDispatchMessage, WorkflowResult } from '../protocol/dispatch-output.js';
import { S } from '../machines/task-table.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import type { AgentExecutionResult, TriggerAgent } from '../protocol/runtime-events.js';
import { AttemptDeadlines } from './attempt-deadlines.js';
import { attemptTrigger } from './attempt-trigger.js';
import { AttemptPlacement } from './attempt-placement.js';
import { abandonAttempts, type OpenAttempt } from './open-attempt.js';
import { PriorityQueue } from './priority-queue.js';
import type { RetryHold } from './retry-hold.js';
import { cancelOneTask, cancelTaskError, expireRun, type RunParts, serveCancelTask } from './run-interventions.js';
import { type RunDeadline, runTimers, withResilience } from './run-resilience.js';
import { remainingPath } from '../core/remaining-path.js';
import { handlerProgress, type RunProgress, runProgress } from './run-progress.js';
import { openRunJournal, startRunCore } from './run-core.js';
import { RunResultIntake } from './run-result-intake.js';
import { type RunInbox, subscribeInbox } from './run-router.js';
import { type Delivery, TurnInbox } from './turn-inbox.js';
import type { SupervisorOptions } from './supervisor-options.js';
import {
  type InboxKind,
  own,
  type SupervisorDriver,
  type SupervisorMachine,
  type SupervisorRef,
  startSupervisor,
} from './supervisor-machine.js';
import { TriggerRequester } from './trigger-requester.js';

export type { RunProgress } from './run-progress.js';

/** Events of a run. */
export interface RunEvents {
  /** An attempt went out to a runtime. */
  dispatch: [message: TaskDispatchMessage];
  /** An attempt ended (success or failure, as the runtime reported it). */
  result: [result: AgentExecutionResult];
  progress: [progress: RunProgress];
  /** The run ended; same value `result` resolves with. */
  complete: [result: WorkflowResult];
}

/**
 * The workflow supervisor actor: owns one run's {@link DispatchCore}, turns each attempt the
 * core releases into a `TriggerAgent` request to the dispatcher ({@link TriggerRequester}),
 * follows where each went ({@link AttemptPlacement}), feeds results back ({@link RunResultIntake}),
 * and ends with the seed's `workflow_result`. It keeps at most `maxConcurrentTasks` attempts
 * out, sending the ones on the longest remaining (weighted) path first. An attempt whose result
 * never comes counts as a recoverable `RESULT_LOST` failure after its deadline
 * ({@link AttemptDeadlines}), so no run hangs.
 */
export class WorkflowRun extends EventEmitter<RunEvents> {
  readonly id: string;
  /** Resolves with the `workflow_result` when the run ends; rejects `CLOSED` if it is cancelled. */
  readonly result: Promise<WorkflowResult>;
  readonly #o: SupervisorOptions;
  readonly #core: DispatchCore;
  readonly #journal: RunJournal | undefined;
  /** Suffix of request ids after a resume, so results meant for the process before it are told apart. */
  readonly #generation: string;
  readonly #block: ReturnType<typeof planBlock>;
  readonly #waiting: PriorityQueue<DispatchRecord>;
  readonly #live = new Map<string, OpenAttempt>();
  readonly #subs: Subscription[] = [];
  readonly #deadlines: AttemptDeadlines;
  readonly #requests: TriggerRequester;
  readonly #placement: AttemptPlacement;
  readonly #results: RunResultIntake;
  /** Retries held back for their backoff, and the run's deadline. */
  readonly #hold: RetryHold;
  readonly #deadline: RunDeadline;
  #sequence: number;
  #settle!: { resolve: (r: WorkflowResult) => void; reject: (e: SwitchyardError) => void };
  /** The supervisor actor: every event that moves the run goes through it. */
  readonly #actor: Actor<SupervisorMachine>;
  /** How deep the run is inside one of its actor's actions: events raised there are handled in place. */
  #inside = 0;
  readonly #stamp: () => string;
  #done = false;
  /** While a batch of results is applied, sending waits for the end of the batch. */
  #holding = false;
  /** What one turn of the bus brings the run, handed to its actor as one event. */
  readonly #inbox: TurnInbox<InboxKind>;

  constructor(plan: CompiledPlan, options: SupervisorOptions) {
    super();
    this.id = options.runId;
    this.#o = options;
    const now = () => options.scheduler.now();
    this.#stamp = isoClock(now);
    const journal = openRunJournal(options, plan, {
      core: () => this.#core,
      state: () => withResilience(this.state(), this.#deadline.at, this.#hold.snapshot()),
    });
    this.#journal = journal;
    // Started before the core exists: when inspecting, the core runs its task events on the actor's children.
    this.#actor = startSupervisor(this.#driver(plan), {
      runId: options.runId,
      taskIds: plan.ids,
      maxAttempts: options.options.maxAttempts,
      inspect: options.inspect,
    });
    try {
      ({
        core: this.#core,
        sequence: this.#sequence,
        generation: this.#generation,
      } = startRunCore(options, plan, journal, this.#actor.getSnapshot().context.tasks));
    } catch (error) {
      this.#actor.stop();
      throw error;
    }
    this.#block = planBlock(this.#core.plan.input, this.#core.plan.tasks, this.#core.options);
    const rank = remainingPath(this.#core.plan);
    this.#waiting = new PriorityQueue(
      (a, b) => rank[a.task] > rank[b.task] || (rank[a.task] === rank[b.task] && a.task < b.task),
    );
    ({ hold: this.#hold, deadline: this.#deadline } = runTimers(options, plan.ids, journal, (what) => {
      if (this.#done) return;
      this.#inbox.flush();
      this.#actor.send(own.due(what));
    }));
    this.#inbox = new TurnInbox(options.bus, (batch) =>
      this.#done ? this.#deliverAll(batch) : this.#actor.send(own.inbox(batch)),
    );
    const fail = (requestId: string, outcome: Outcome) => {
      if (this.#inside > 0 || this.#done) return this.#apply(requestId, outcome, undefined);
      this.#inbox.flush();
      this.#actor.send(own.lost(requestId, outcome));
    };
    this.#deadlines = new AttemptDeadlines({ ...options, onLost: fail });
    this.#requests = new TriggerRequester({
      ...options,
      isOpen: (requestId) => this.#live.has(requestId),
      ended: () => this.#done,
      priorityOf: (requestId) => {
        const attempt = this.#live.get(requestId);
        return attempt ? Math.round(rank[attempt.record.task]) : 0;
      },
      onAnswer: (requestId, answer) => this.#placement.answered(requestId, answer),
      onFailed: fail,
    });
    this.#results = new RunResultIntake({
      ...options,
      plan: this.#core.plan,
      attempts: this.#live,
      apply: (requestId, outcome, result) => this.#apply(requestId, outcome, result),
      batch: (applyAll) => this.#applyBatch(applyAll),
    });
    this.#placement = new AttemptPlacement({
      logger: options.logger,
      attempts: this.#live,
      deadlines: this.#deadlines,
      journal,
      onFailed: fail,
      onEarlyResult: (early) => this.#results.early(early),
    });
    this.result = new Promise((resolve, reject) => (this.#settle = { resolve, reject }));
    this.result.catch(() => undefined);
    this.#actor.send(own.restored());
  }

  /**
   * The run's supervisor actor, for code that talks to the run as an actor: `getSnapshot()`
   * (its state — starting, running, complete, cancelled — and task counts), `subscribe`, and
   * `send({ type: 'cancel', reason })`. Under `inspect`, the parent of the task actors.
   */
  get actor(): SupervisorRef {
    return this.#actor;
  }

  /** What the supervisor's actions call; each runs with events it raises handled in place. */
  #driver(plan: CompiledPlan): SupervisorDriver {
    const inside = (fn: () => void) => {
      this.#inside++;
      try {
        fn();
      } finally {
        this.#inside--;
      }
    };
    const zero = { total: plan.n, completed: 0, in_progress: 0, pending: plan.n, failed: 0, skipped: 0 };
    return {
      begin: () => inside(() => this.#begin()),
      deliver: (deliveries) => inside(() => this.#deliverAll(deliveries)),
      lost: (requestId, outcome) => inside(() => this.#apply(requestId, outcome, undefined)),
      cancel: (reason) => inside(() => this.#cancel(reason)),
      cancelTask: (taskId, reason) => inside(() => this.#cancelTask(taskId, reason)),
      due: (what) => inside(() => this.#due(what)),
      // Read before the core is built (the actor starts first), then from the core.
      progress: () => ((this.#core as DispatchCore | undefined) ? runProgress(this.#core) : zero),
    };
  }

  /**
   * Hands over one turn's deliveries; the attempts their results release go out together at the
   * end. One that throws is logged and the rest still handled (the bus no longer holds them).
   */
  #deliverAll(deliveries: ReadonlyArray<Delivery<InboxKind>>): void {
    this.#applyBatch(() => {
      for (const { kind, message } of deliveries) {
        try {
          this.#deliver(kind, message);
        } catch (error) {
          this.#o.logger.error({ err: error, subject: message.subject }, 'a delivery to the run failed');
        }
      }
    });
  }

  #deliver(kind: InboxKind, message: BusMessage): void {
    if (kind === 'result') this.#results.one(message);
    else if (kind === 'results') this.#results.batch(message);
    else if (kind === 'placed') this.#placement.placed(message);
    else this.#onProgress(message);
  }

  /** Starts the run: subscribes to its results and, right after the current task, sends the first attempts. */
  start(): this {
    const { bus, subjects, router } = this.#o;
    // Inside one of the actor's actions (a synchronous re-entry) a delivery is handled in place, unless earlier ones wait.
    const deliver = (kind: InboxKind) => (m: BusMessage) =>
      (this.#inside > 0 || this.#done) && this.#inbox.empty ? this.#deliver(kind, m) : this.#inbox.push(kind, m);
    const inbox: RunInbox = {
      result: deliver('result'),
      results: deliver('results'),
      placed: deliver('placed'),
      progress: deliver('progress'),
    };
    if (router) this.#subs.push(router.add(this.id, inbox));
    else this.#subs.push(...subscribeInbox(bus, subjects, inbox));
    this.#subs.push(serveCancelTask(bus, subjects, this.id, (taskId, reason) => this.cancelTask(taskId, reason)));
    // Release the first attempts once the caller has attached its listeners.
    // A run cancelled before then has a stopped actor: nothing to begin.
    queueMicrotask(() => this.#done || this.#actor.send(own.begin()));
    return this;
  }

  /** Releases the first attempts (after a resume, the ones a crash cut off), unless the deadline has passed. */
  #begin(): void {
    if (this.#done) return;
    const core = this.#core;
    const o = this.#o;
    core.now = o.scheduler.now();
    const startedAt = o.resume ? o.resume.record.created_at : core.now;
    const passed = this.#deadline.start(this.#deadline.at, startedAt, o.maxExecutionTimeMs);
    if (o.resume) {
      // The attempts a crash cut off go out again, under their own attempt numbers.
      if (!passed) core.redispatch();
      const redispatched = core.dispatched.map((d) => core.plan.ids[d.task]);
      this.#journal?.push({ type: 'run_resumed', at: core.now, redispatched });
      o.logger.info({ redispatched: redispatched.length }, 'run resumed');
    } else this.#journal?.push({ type: 'run_started', at: core.now });
    const deadlineAt = this.#deadline.at;
    if (deadlineAt !== undefined) this.#journal?.push({ type: 'deadline_set', deadline_at: deadlineAt });
    if (!o.resume && !passed) core.begin();
    if (passed) this.#due('deadline');
    else this.#pump(false);
  }

  /** The run's state as `step` would return it (seed 003's workflow_state plus the switchyard block). */
  state(): DispatchState {
    return snapshot(this.#core, this.#meta(), this.#block);
  }

  /** The message sequence and the ids the run's messages carry. */
  #meta() {
    const { sessionId, requestId } = this.#o;
    return {
      sequence: this.#sequence,
      offsetMinutes: 0,
      ...(sessionId === undefined ? {} : { sessionId }),
      ...(requestId === undefined ? {} : { requestId }),
    };
  }

  /** Whether this run continues a recorded one (resumed after its process stopped). */
  get resumed(): boolean {
    return this.#o.resume !== undefined;
  }

  /** Whether `requestId` is one of this run's attempts still open. */
  holds(requestId: string): boolean {
    return this.#live.has(requestId);
  }

  /** Whether the run has ended (or was cancelled). */
  get ended(): boolean {
    return this.#done;
  }

  /** Aborts the attempts out, stops the run, and rejects `result` with `CLOSED`. */
  cancel(reason = 'the runtime is closing'): void {
    if (this.#done) return;
    if (this.#inside > 0) return this.#cancel(reason);
    this.#inbox.flush();
    this.#actor.send({ type: 'cancel', reason });
  }

  /**
   * Cancels one task of the live run and, through the core's usual rules, its dependents: its
   * attempt out (or its retry held back) is cancelled on its runtime, it ends `failed` with
   * `CANCELLED` (not retried), and every task that needs it is skipped; independent branches go
   * on. Journaled, so replay and resume see the same run. Throws `TASK_NOT_FOUND` for a task the
   * plan does not have and `TASK_ENDED` for one that has ended (or when the run has).
   */
  cancelTask(taskId: string, reason = 'cancelled on request'): void {
    const problem = cancelTaskError(this.id, this.#core, this.#done, taskId);
    if (problem) throw problem;
    // From a listener the run calls while it sends (a `dispatch` event): done once that send is over.
    if (this.#inside > 0)
      return queueMicrotask(() => this.#done || this.#actor.send({ type: 'cancelTask', taskId, reason }));
    this.#inbox.flush();
    this.#actor.send({ type: 'cancelTask', taskId, reason });
  }

  /** What cancelling a task and the deadline act on. */
  #parts(): RunParts {
    return {
      o: this.#o,
      core: this.#core,
      live: this.#live,
      deadlines: this.#deadlines,
      hold: this.#hold,
      deadline: this.#deadline,
      waiting: this.#waiting,
      journal: this.#journal,
    };
  }

  #cancelTask(taskId: string, reason: string): void {
    if (!this.#done && cancelOneTask(this.#parts(), taskId, reason)) this.#pump();
  }

  /** A timer came due: held retries go out, or the deadline passed (what is out is cancelled; the run ends failed). */
  #due(what: 'retries' | 'deadline'): void {
    if (this.#done) return;
    if (what === 'deadline') expireRun(this.#parts());
    else for (const record of this.#hold.due()) this.#waiting.push(record);
    this.#pump();
  }

  #cancel(reason: string): void {
    if (this.#done) return;
    for (const live of this.#live.values()) this.#deadlines.stop(live);
    abandonAttempts(this.#o.bus, this.#o.subjects, this.id, this.#live.values());
    this.#journal?.end('cancelled');
    this.#finish();
    this.#settle.reject(
      new SwitchyardError(ErrorCodes.CLOSED, `Run ${this.id} was cancelled: ${reason}.`, { run_id: this.id }),
    );
  }

  #context(): EnvelopeContext {
    return { source: 'switchyard', state: undefined, now: this.#core.now, ...this.#meta() };
  }

  /**
   * Moves released attempts into the waiting queue and sends as many as the limit allows:
   * the ready attempts of one agent go to the dispatcher in one `TriggerAgentBatch`.
   */
  #pump(fresh = true): void {
    const core = this.#core;
    for (const record of core.drain()) if (!this.#hold.admit(record, fresh)) this.#waiting.push(record);
    const batches = new Map<string, TriggerAgent[]>();
    while (!this.#done && this.#live.size < this.#o.maxConcurrentTasks && this.#waiting.size > 0) {
      const record = this.#waiting.pop() as DispatchRecord;
      // A task cancelled while its attempt waited here is no longer in progress on that attempt.
      if (core.status[record.task] !== S.in_progress || core.attempts[record.task] !== record.attempt) continue;
      const trigger = this.#prepare(record);
      const batch = batches.get(trigger.agent_id);
      if (batch) batch.push(trigger);
      else batches.set(trigger.agent_id, [trigger]);
    }
    for (const [agentId, triggers] of batches) this.#requests.send(agentId, triggers);
    if (core.runStatus !== 'running' && this.#live.size === 0) this.#complete();
  }

  /** Makes the trigger of one attempt and starts tracking it. */
  #prepare(record: DispatchRecord): TriggerAgent {
    const content = dispatchContent(this.#core, record);
    const requestId = `${this.id}_${record.task}_${record.attempt}${this.#generation}`;
    const trigger = attemptTrigger(this.#core, record, content, {
      runId: this.id,
      requestId,
      timeoutMs: this.#o.taskTimeoutMs,
      at: this.#stamp(),
    });
    const attempt: OpenAttempt = {
      record,
      trigger,
      runtimeId: null,
      deadline: undefined,
      answered: false,
      early: undefined,
    };
    this.#deadlines.start(attempt);
    this.#live.set(requestId, attempt);
    // The whole seed-003 envelope is built only for those who listen.
    if (this.listenerCount('dispatch') > 0)
      this.emit('dispatch', dispatchEnvelope(this.#core, record, this.#context(), content));
    return trigger;
  }

  #onProgress(m: BusMessage): void {
    const progress = handlerProgress(this.#core, this.#live, m.data);
    if (progress) this.emit('progress', progress);
  }

  /** Applies a batch of results, then sends what the whole batch released together (batches nest). */
  #applyBatch(applyAll: () => void): void {
    const outer = this.#holding;
    this.#holding = true;
    try {
      applyAll();
    } finally {
      this.#holding = outer;
    }
    if (!outer && !this.#done) this.#pump();
  }

  /** Feeds the outcome of a live attempt to the core, then sends what it released. */
  #apply(requestId: string, outcome: Outcome, result: AgentExecutionResult | undefined): void {
    const live = this.#live.get(requestId);
    if (!live || this.#done) return;
    this.#live.delete(requestId);
    this.#deadlines.stop(live);
    const core = this.#core;
    if (core.refusal(live.record.task, live.record.attempt) === undefined) {
      core.now = this.#o.scheduler.now();
      this.#sequence++;
      this.#journal?.push({
        type: 'result_received',
        at: core.now,
        request_id: requestId,
        task_id: live.trigger.task_id,
        attempt: live.record.attempt,
        runtime_id: result?.runtime_id ?? live.runtimeId,
        outcome: recordOutcome(core.plan, outcome, result?.usage),
      });
      core.result(live.record.task, outcome);
    }
    if (result) this.emit('result', result);
    if (this.listenerCount('progress') > 0) this.emit('progress', runProgress(this.#core));
    if (!this.#holding) this.#pump();
  }

  #complete(): void {
    if (this.#done) return;
    const result = workflowResult(this.#core, 0);
    this.#journal?.end(this.#core.runStatus === 'running' ? 'failed' : this.#core.runStatus, result);
    this.#finish();
    // Inside one of the actor's actions (where runs complete) this is handled right after it.
    this.#actor.send(own.ended());
    const report = () => {
      this.emit('complete', result);
      this.#settle.resolve(result);
    };
    const recorded = this.#journal ? this.#o.journal?.recorded?.() : undefined;
    if (recorded) void recorded.then(report, report);
    else report();
  }

  #finish(): void {
    this.#done = true;
    this.#hold.clear();
    this.#deadline.stop();
    for (const live of this.#live.values()) this.#deadlines.stop(live);
    this.#live.clear();
    this.#waiting.clear();
    for (const s of this.#subs) s.unsubscribe();
  }
}
