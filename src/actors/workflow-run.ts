import { EventEmitter } from 'node:events';
import type { BusMessage, Subscription } from '../bus/bus.js';
import type { CompiledPlan } from '../core/compiled-plan.js';
import { DispatchCore, type DispatchRecord, type Outcome } from '../core/dispatch-core.js';
import { dispatchContent, dispatchEnvelope, type EnvelopeContext, workflowResult } from '../core/envelopes.js';
import type { DispatchState } from '../core/run-state.js';
import { planBlock, snapshot } from '../core/state-codec.js';
import { isoClock } from '../core/time.js';
import { eventHooks } from '../journal/event-hooks.js';
import { recordOutcome, rebuild } from '../journal/replay.js';
import { RunJournal } from '../journal/run-journal.js';
import type { TaskDispatchMessage, WorkflowResult } from '../protocol/dispatch-output.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import {
  type AgentExecutionResult,
  AttemptProgressSchema,
  type CancelAttempt,
  type TriggerAgent,
  type WithdrawTriggers,
} from '../protocol/runtime-events.js';
import { ActorTaskEngine } from './actor-task-engine.js';
import { AttemptDeadlines } from './attempt-deadlines.js';
import { AttemptPlacement } from './attempt-placement.js';
import type { OpenAttempt } from './open-attempt.js';
import { PriorityQueue } from './priority-queue.js';
import { remainingPath } from '../core/remaining-path.js';
import { type RunProgress, runCounts, runProgress } from './run-progress.js';
import { RunResultIntake } from './run-result-intake.js';
import { type RunInbox, subscribeInbox } from './run-router.js';
import type { SupervisorOptions } from './supervisor-options.js';
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
  #sequence = 4;
  #settle!: { resolve: (r: WorkflowResult) => void; reject: (e: SwitchyardError) => void };
  #actors: ActorTaskEngine | undefined;
  readonly #stamp: () => string;
  #done = false;
  /** While a batch of results is applied, sending waits for the end of the batch. */
  #holding = false;

  constructor(plan: CompiledPlan, options: SupervisorOptions) {
    super();
    this.id = options.runId;
    this.#o = options;
    const now = () => options.scheduler.now();
    this.#stamp = isoClock(now);
    const journal = this.#openJournal(plan);
    this.#journal = journal;
    const inspect = options.inspect;
    const hooksFor = (core: () => DispatchCore) => ({
      ...(inspect
        ? { engine: (c: DispatchCore) => (this.#actors = new ActorTaskEngine(c, options.runId, inspect)) }
        : {}),
      ...(journal ? eventHooks(core, (event) => journal.push(event)) : {}),
    });
    const resume = options.resume;
    if (resume) {
      // Replay regenerates events the log already holds: the journal drops them.
      if (journal) journal.muted = true;
      const rebuilt = rebuild(resume.record, resume.checkpoint, resume.steps, hooksFor);
      if (journal) journal.muted = false;
      if (!rebuilt.ok) throw rebuilt.error;
      this.#core = rebuilt.value.core;
      this.#sequence = rebuilt.value.meta.sequence;
      this.#generation = `_r${now().toString(36)}`;
    } else {
      this.#core = new DispatchCore(
        plan,
        options.options,
        hooksFor(() => this.#core),
      );
      this.#generation = '';
      journal?.push({ type: 'plan_accepted', total_tasks: plan.n });
    }
    this.#block = planBlock(this.#core.plan.input, this.#core.plan.tasks, this.#core.options);
    const rank = remainingPath(this.#core.plan);
    this.#waiting = new PriorityQueue(
      (a, b) => rank[a.task] > rank[b.task] || (rank[a.task] === rank[b.task] && a.task < b.task),
    );
    const fail = (requestId: string, outcome: Outcome) => this.#apply(requestId, outcome, undefined);
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
  }

  /** Starts the run: subscribes to its results and, right after the current task, sends the first attempts. */
  start(): this {
    const { bus, subjects, router } = this.#o;
    const inbox: RunInbox = {
      result: (m) => this.#results.one(m),
      results: (m) => this.#results.batch(m),
      placed: (m) => this.#placement.placed(m),
      progress: (m) => this.#onProgress(m),
    };
    if (router) this.#subs.push(router.add(this.id, inbox));
    else this.#subs.push(...subscribeInbox(bus, subjects, inbox));
    // Release the first attempts once the caller has attached its listeners.
    queueMicrotask(() => {
      if (this.#done) return;
      const core = this.#core;
      core.now = this.#o.scheduler.now();
      if (this.#o.resume) {
        // The attempts a crash cut off go out again, under their own attempt numbers.
        core.redispatch();
        const redispatched = core.dispatched.map((d) => core.plan.ids[d.task]);
        this.#journal?.push({ type: 'run_resumed', at: core.now, redispatched });
        this.#o.logger.info({ redispatched: redispatched.length }, 'run resumed');
      } else {
        this.#journal?.push({ type: 'run_started', at: core.now });
        core.begin();
      }
      this.#pump();
    });
    return this;
  }

  /** The run's state as `step` would return it (seed 003's workflow_state plus the switchyard block). */
  state(): DispatchState {
    return snapshot(
      this.#core,
      {
        sequence: this.#sequence,
        offsetMinutes: 0,
        ...(this.#o.sessionId === undefined ? {} : { sessionId: this.#o.sessionId }),
        ...(this.#o.requestId === undefined ? {} : { requestId: this.#o.requestId }),
      },
      this.#block,
    );
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
    const queued: string[] = [];
    for (const live of this.#live.values()) {
      this.#deadlines.stop(live);
      if (live.runtimeId !== null)
        this.#o.bus.publish(this.#o.subjects.cancel(live.runtimeId), {
          type: 'CancelAttempt',
          request_id: live.trigger.request_id,
        } satisfies CancelAttempt);
      else queued.push(live.trigger.request_id);
    }
    // Attempts the dispatcher still queues would otherwise run later for a run that is gone.
    if (queued.length > 0)
      this.#o.bus.publish(this.#o.subjects.withdraw(this.id), {
        type: 'WithdrawTriggers',
        request_ids: queued,
      } satisfies WithdrawTriggers);
    this.#journal?.end('cancelled');
    this.#finish();
    this.#settle.reject(
      new SwitchyardError(ErrorCodes.CLOSED, `Run ${this.id} was cancelled: ${reason}.`, { run_id: this.id }),
    );
  }

  /** The run's journal, when its steps are recorded: it reads the run's counts and state for its checkpoints. */
  #openJournal(plan: CompiledPlan): RunJournal | undefined {
    const { journal, resume } = this.#o;
    if (!journal) return undefined;
    return new RunJournal({
      runId: this.#o.runId,
      bus: this.#o.bus,
      subjects: this.#o.subjects,
      logger: this.#o.logger,
      clock: () => this.#o.scheduler.now(),
      checkpointEvery: journal.checkpointEvery,
      tasks: plan.n,
      firstSeq: resume ? resume.record.last_seq + 1 : 1,
      ...(journal.accepted ? { accepted: journal.accepted } : {}),
      view: { counts: () => runCounts(this.#core), snapshot: () => this.state() },
    });
  }

  #context(): EnvelopeContext {
    return {
      source: 'switchyard',
      sequence: this.#sequence,
      offsetMinutes: 0,
      state: undefined,
      now: this.#core.now,
      ...(this.#o.sessionId === undefined ? {} : { sessionId: this.#o.sessionId }),
      ...(this.#o.requestId === undefined ? {} : { requestId: this.#o.requestId }),
    };
  }

  /**
   * Moves released attempts into the waiting queue and sends as many as the limit allows:
   * the ready attempts of one agent go to the dispatcher in one `TriggerAgentBatch`.
   */
  #pump(): void {
    for (const record of this.#core.drain()) this.#waiting.push(record);
    const batches = new Map<string, TriggerAgent[]>();
    while (!this.#done && this.#live.size < this.#o.maxConcurrentTasks && this.#waiting.size > 0) {
      const trigger = this.#prepare(this.#waiting.pop() as DispatchRecord);
      const batch = batches.get(trigger.agent_id);
      if (batch) batch.push(trigger);
      else batches.set(trigger.agent_id, [trigger]);
    }
    for (const [agentId, triggers] of batches) this.#requests.send(agentId, triggers);
    if (this.#core.runStatus !== 'running' && this.#live.size === 0) this.#complete();
  }

  /** Makes the trigger of one attempt and starts tracking it. */
  #prepare(record: DispatchRecord): TriggerAgent {
    const { plan } = this.#core;
    const content = dispatchContent(this.#core, record);
    const requestId = `${this.id}_${record.task}_${record.attempt}${this.#generation}`;
    const trigger: TriggerAgent = {
      type: 'TriggerAgent',
      request_id: requestId,
      workflow_id: this.id,
      agent_id: this.#o.options.routes[plan.route[record.task]].agent,
      task_id: plan.ids[record.task],
      attempt: record.attempt,
      dispatch: content,
      timeout_ms: this.#o.taskTimeoutMs,
      at: this.#stamp(),
    };
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
    const parsed = AttemptProgressSchema.safeParse(m.data);
    const live = parsed.success ? this.#live.get(parsed.data.request_id) : undefined;
    if (!live || !parsed.success) return;
    const { percent, message } = parsed.data;
    this.emit('progress', {
      ...runProgress(this.#core),
      task: {
        task_id: live.trigger.task_id,
        attempt: live.trigger.attempt,
        ...(percent === undefined ? {} : { percent }),
        ...(message === undefined ? {} : { message }),
      },
    });
  }

  /** Applies a batch of results, then sends what the whole batch released together. */
  #applyBatch(applyAll: () => void): void {
    this.#holding = true;
    try {
      applyAll();
    } finally {
      this.#holding = false;
    }
    if (!this.#done) this.#pump();
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
        outcome: recordOutcome(core.plan, outcome),
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
    for (const live of this.#live.values()) this.#deadlines.stop(live);
    this.#live.clear();
    this.#waiting.clear();
    for (const s of this.#subs) s.unsubscribe();
    this.#actors?.stop();
  }
}
