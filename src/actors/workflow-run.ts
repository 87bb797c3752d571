import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { InspectionEvent } from 'xstate';
import type { Bus, BusMessage, Subscription } from '../bus/bus.js';
import type { CompiledPlan } from '../core/compiled-plan.js';
import { DispatchCore, type DispatchRecord, type Outcome } from '../core/dispatch-core.js';
import { dispatchContent, dispatchEnvelope, type EnvelopeContext, workflowResult } from '../core/envelopes.js';
import type { ResolvedOptions } from '../core/options.js';
import { type ProducedOutput, producedRefs } from '../core/produced-refs.js';
import type { DispatchState } from '../core/run-state.js';
import { planBlock, snapshot } from '../core/state-codec.js';
import { isoClock } from '../core/time.js';
import { graphInternals } from '../graph/execution-graph.js';
import { S } from '../machines/task-table.js';
import type { TaskDispatchMessage, WorkflowResult } from '../protocol/dispatch-output.js';
import { ErrorCodes, isErrorCode, SwitchyardError } from '../protocol/errors.js';
import {
  type AgentExecutionResult,
  AgentExecutionResultSchema,
  AttemptProgressSchema,
  type CancelAttempt,
  type TriggerAgent,
  type TriggerAgentBatch,
  type TriggerBatchReply,
  TriggerBatchReplySchema,
  TriggerPlacedSchema,
  type WithdrawTriggers,
} from '../protocol/runtime-events.js';
import type { Subjects } from '../protocol/subjects.js';
import { eventHooks } from '../journal/event-hooks.js';
import { recordOutcome, rebuild } from '../journal/replay.js';
import type { RunStepMessage, StoredStep } from '../protocol/run-events.js';
import { RunJournal } from '../journal/run-journal.js';
import type { Checkpoint, RunRecord } from '../store/state-store.js';
import { isVetted, vet } from '../protocol/vetted.js';
import { ActorTaskEngine } from './actor-task-engine.js';
import { PriorityQueue } from './priority-queue.js';
import { describeMismatch, type ResultSender, resultMismatch, runtimeOfSubject } from './result-identity.js';
import { type RunInbox, type RunRouter, subscribeInbox } from './run-router.js';

/** Run counts, and the task a handler reported progress on, if that is what changed. */
export interface RunProgress {
  readonly total: number;
  readonly completed: number;
  readonly in_progress: number;
  readonly pending: number;
  readonly failed: number;
  readonly skipped: number;
  readonly task?: {
    readonly task_id: string;
    readonly attempt: number;
    readonly percent?: number;
    readonly message?: string;
  };
}

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

/** What a supervisor needs from the runtime around it. */
export interface SupervisorOptions {
  readonly runId: string;
  readonly bus: Bus;
  readonly subjects: Subjects;
  /** The run's logger, naming the run already (createRuntime passes `logger.child({ run_id })`). */
  readonly logger: Logger;
  readonly clock: () => number;
  readonly options: ResolvedOptions;
  /** Attempts out at once for this run. */
  readonly maxConcurrentTasks: number;
  /** Deadline of one attempt. */
  readonly taskTimeoutMs: number;
  /** Extra wait for a result beyond the deadline before it counts as lost. */
  readonly resultGraceMs: number;
  /** How long the dispatcher may take to accept a trigger. @default 5000 */
  readonly triggerTimeoutMs?: number;
  /** Over a network bus: how long to keep sending triggers the dispatcher did not answer. @default 60000 */
  readonly triggerRetryMs?: number;
  readonly sessionId?: string;
  readonly requestId?: string;
  /**
   * An XState inspection observer: when given, every task's lifecycle runs on a spawned
   * `taskMachine` actor under a supervisor actor named after the run, visible to the inspector.
   */
  readonly inspect?: (event: InspectionEvent) => void;
  /**
   * Record every step of the run on the bus (`RunStep`), for the state manager: a checkpoint
   * every `checkpointEvery` events, and — for a new run — what `accepted` holds.
   */
  readonly journal?: {
    readonly checkpointEvery: number;
    readonly accepted?: RunStepMessage['accepted'];
    /** Settles once the run's last step is recorded: `result` and `complete` wait for it, so an ended run is on file. */
    readonly recorded?: () => Promise<void>;
  };
  /**
   * Where the run hears its results, placements and progress, shared by the runs of one
   * runtime; without it the run subscribes to them itself (and sees every run's).
   */
  readonly router?: RunRouter;
  /**
   * Whether a runtime is one of this process's own worker runtimes: a result naming one counts
   * only when this process built it (see `Dispatcher.hosts`). @default none is
   */
  readonly hosted?: (runtimeId: string) => boolean;
  /** Continue a recorded run instead of starting one: its row, latest checkpoint and the steps after it. */
  readonly resume?: {
    readonly record: RunRecord;
    readonly checkpoint: Checkpoint | undefined;
    readonly steps: readonly StoredStep[];
  };
}

interface Live {
  readonly record: DispatchRecord;
  readonly trigger: TriggerAgent;
  runtimeId: string | null;
  /** Runs from when the attempt reaches a runtime; none while the dispatcher queues it. */
  deadline: NodeJS.Timeout | undefined;
  /** Whether the dispatcher's answer (placed where, or queued) has been read. */
  answered: boolean;
  /**
   * Results that came before the answer said where the attempt went (the answer is read a
   * microtask after the bus delivered it; a runtime may be quicker): checked once it is read.
   */
  early: Array<readonly [data: unknown, sender: ResultSender]> | undefined;
}

/** Results kept per attempt while its placement is not known yet; more are dropped (a runtime sends one). */
const MAX_EARLY_RESULTS = 4;

/**
 * The workflow supervisor actor: owns one run's {@link DispatchCore}, turns each attempt the
 * core releases into a `TriggerAgent` request to the dispatcher, feeds results back, and ends
 * with the seed's `workflow_result`. It keeps at most `maxConcurrentTasks` attempts out,
 * sending the ones on the longest remaining (weighted) path first. An attempt whose result
 * never comes counts as a recoverable `RESULT_LOST` failure after its deadline, so no run hangs.
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
  readonly #rank: Float64Array;
  readonly #waiting: PriorityQueue<DispatchRecord>;
  readonly #live = new Map<string, Live>();
  readonly #subs: Subscription[] = [];
  #sequence = 4;
  #settle!: { resolve: (r: WorkflowResult) => void; reject: (e: SwitchyardError) => void };
  #actors: ActorTaskEngine | undefined;
  readonly #stamp: () => string;
  #done = false;
  readonly #hostedCheck: Pick<ResultSender, 'hosted'>;
  /** While a batch of results is applied, sending waits for the end of the batch. */
  #holding = false;

  constructor(plan: CompiledPlan, options: SupervisorOptions) {
    super();
    this.id = options.runId;
    this.#o = options;
    this.#hostedCheck = options.hosted ? { hosted: options.hosted } : {};
    this.#stamp = isoClock(options.clock);
    const inspect = options.inspect;
    const resume = options.resume;
    const journal = options.journal
      ? new RunJournal({
          runId: options.runId,
          bus: options.bus,
          subjects: options.subjects,
          logger: options.logger,
          clock: options.clock,
          checkpointEvery: options.journal.checkpointEvery,
          tasks: plan.n,
          firstSeq: resume ? resume.record.last_seq + 1 : 1,
          ...(options.journal.accepted ? { accepted: options.journal.accepted } : {}),
          view: { counts: () => this.#runCounts(), snapshot: () => this.state() },
        })
      : undefined;
    this.#journal = journal;
    const hooksFor = (core: () => DispatchCore) => ({
      ...(inspect
        ? { engine: (c: DispatchCore) => (this.#actors = new ActorTaskEngine(c, options.runId, inspect)) }
        : {}),
      ...(journal ? eventHooks(core, (event) => journal.push(event)) : {}),
    });
    if (resume) {
      // Replay regenerates events the log already holds: the journal drops them.
      if (journal) journal.muted = true;
      const rebuilt = rebuild(resume.record, resume.checkpoint, resume.steps, hooksFor);
      if (journal) journal.muted = false;
      if (!rebuilt.ok) throw rebuilt.error;
      this.#core = rebuilt.value.core;
      this.#sequence = rebuilt.value.meta.sequence;
      this.#generation = `_r${options.clock().toString(36)}`;
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
    this.#rank = remainingPath(this.#core.plan);
    const rank = this.#rank;
    this.#waiting = new PriorityQueue(
      (a, b) => rank[a.task] > rank[b.task] || (rank[a.task] === rank[b.task] && a.task < b.task),
    );
    this.result = new Promise((resolve, reject) => (this.#settle = { resolve, reject }));
    this.result.catch(() => undefined);
  }

  /** Starts the run: subscribes to its results and, right after the current task, sends the first attempts. */
  start(): this {
    const { bus, subjects, router } = this.#o;
    const inbox: RunInbox = {
      result: (m) => this.#onResult(m.data, { subjectRuntime: null, vetted: isVetted(m.data), ...this.#hostedCheck }),
      results: (m) => this.#onResults(m),
      placed: (m) => this.#onPlaced(m),
      progress: (m) => this.#onProgress(m),
    };
    if (router) this.#subs.push(router.add(this.id, inbox));
    else this.#subs.push(...subscribeInbox(bus, subjects, inbox));
    // Release the first attempts once the caller has attached its listeners.
    queueMicrotask(() => {
      if (this.#done) return;
      const core = this.#core;
      core.now = this.#o.clock();
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
      clearTimeout(live.deadline);
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

  #runCounts() {
    const c = this.#core.counts;
    return {
      total: this.#core.plan.n,
      completed: c[S.complete],
      failed: c[S.failed],
      skipped: c[S.skipped],
      in_progress: c[S.in_progress],
    };
  }

  #counts(): RunProgress {
    const c = this.#core.counts;
    return {
      total: this.#core.plan.n,
      completed: c[S.complete],
      in_progress: c[S.in_progress],
      pending: c[S.pending] + c[S.ready],
      failed: c[S.failed],
      skipped: c[S.skipped],
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
    for (const [agentId, triggers] of batches) this.#request(agentId, triggers);
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
    this.#live.set(requestId, {
      record,
      trigger,
      runtimeId: null,
      deadline: this.#deadline(requestId, trigger),
      answered: false,
      early: undefined,
    });
    // The whole seed-003 envelope is built only for those who listen.
    if (this.listenerCount('dispatch') > 0)
      this.emit('dispatch', dispatchEnvelope(this.#core, record, this.#context(), content));
    return trigger;
  }

  /**
   * Sends one agent's triggers to the dispatcher and applies its answer to each. Over a
   * network bus a request lost on the way (no reply in time, nobody reachable while a
   * connection is re-established) is sent again with backoff for up to `triggerRetryMs`; the
   * dispatcher answers a repeat without placing it twice.
   */
  #request(agentId: string, triggers: TriggerAgent[], since = this.#o.clock(), backoffMs = 100): void {
    // The batch's priority is that of its most urgent attempt (a loop: batches can be large).
    let priority = 0;
    for (const t of triggers)
      priority = Math.max(priority, Math.round(this.#rank[this.#live.get(t.request_id)!.record.task]));
    const message = vet<TriggerAgentBatch>({ type: 'TriggerAgentBatch', triggers });
    let reply: Promise<BusMessage>;
    try {
      reply = this.#o.bus.request(this.#o.subjects.trigger(this.id, agentId), message, {
        timeoutMs: this.#o.triggerTimeoutMs ?? 5000,
        priority,
      });
    } catch (error) {
      this.#refused(triggers, error as SwitchyardError);
      return;
    }
    const again = (error: SwitchyardError): boolean => {
      const transient =
        error.code === ErrorCodes.REQUEST_TIMEOUT ||
        error.code === ErrorCodes.NO_RESPONDERS ||
        error.code === ErrorCodes.CONNECTION_FAILED;
      if (
        this.#o.bus.reliable ||
        !transient ||
        this.#done ||
        this.#o.clock() - since + backoffMs > (this.#o.triggerRetryMs ?? 60_000)
      )
        return false;
      const live = triggers.filter((t) => this.#live.has(t.request_id));
      if (live.length === 0) return true;
      this.#o.logger.warn(
        { agent_id: agentId, triggers: live.length, code: error.code },
        'dispatcher not reached; sending the triggers again',
      );
      setTimeout(
        () =>
          this.#request(
            agentId,
            live.filter((t) => this.#live.has(t.request_id)),
            since,
            Math.min(backoffMs * 2, 5000),
          ),
        backoffMs,
      ).unref();
      return true;
    };
    reply.then(
      ({ data }) => {
        const answer = isVetted(data)
          ? { success: true as const, data: data as TriggerBatchReply }
          : TriggerBatchReplySchema.safeParse(data);
        if (!answer.success || answer.data.replies.length !== triggers.length) {
          const refusal = data as { code?: unknown; message?: unknown } | null;
          const code =
            typeof refusal?.code === 'string' && isErrorCode(refusal.code) ? refusal.code : ErrorCodes.PROCESSING_ERROR;
          const text =
            typeof refusal?.message === 'string'
              ? refusal.message
              : 'the dispatcher answered with something other than a TriggerBatchReply for this batch';
          for (const t of triggers)
            this.#apply(t.request_id, { ok: false, recoverable: false, code, message: text }, undefined);
          return;
        }
        const replies = answer.data.replies;
        triggers.forEach((t, i) => this.#answer(t.request_id, replies[i]));
      },
      (error: SwitchyardError) => {
        if (!again(error)) this.#refused(triggers, error);
      },
    );
  }

  /** The dispatcher could not be asked (bus closed, nobody listening, no reply in time). */
  #refused(triggers: readonly TriggerAgent[], error: SwitchyardError): void {
    const recoverable = error.code === ErrorCodes.REQUEST_TIMEOUT;
    for (const t of triggers)
      this.#apply(
        t.request_id,
        {
          ok: false,
          recoverable,
          code: error.code ?? ErrorCodes.PROCESSING_ERROR,
          message: `The dispatcher did not take ${t.task_id}: ${error.message}`,
        },
        undefined,
      );
  }

  /** The dispatcher's answer for one trigger: accepted (placed or queued) or failed at once. */
  #answer(requestId: string, reply: TriggerBatchReply['replies'][number]): void {
    const live = this.#live.get(requestId);
    if (!live) return;
    if (reply.request_id !== requestId) {
      this.#apply(
        requestId,
        {
          ok: false,
          recoverable: false,
          code: ErrorCodes.PROCESSING_ERROR,
          message: `the dispatcher's answer for ${requestId} names ${reply.request_id}`,
        },
        undefined,
      );
    } else if (reply.type === 'TriggerAccepted') {
      // Queued behind busy runtimes (and not placed meanwhile): the deadline waits until it is.
      if (live.runtimeId !== null) {
        // A placement read before this answer (the dispatcher moved it meanwhile) is the later word.
      } else if (reply.runtime_id) {
        live.runtimeId = reply.runtime_id;
        // Held by a prefetching runtime: it starts only after that many of its rounds.
        const rounds = roundsAhead(reply.rounds_ahead);
        if (rounds > 0) {
          clearTimeout(live.deadline);
          live.deadline = this.#deadline(requestId, live.trigger, rounds);
        }
      } else {
        clearTimeout(live.deadline);
        live.deadline = undefined;
      }
      live.answered = true;
      const early = live.early;
      live.early = undefined;
      if (early) for (const [data, sender] of early) this.#onResult(data, sender);
    } else {
      const { code, message } = reply.error;
      this.#journal?.push({
        type: 'dispatch_failed',
        task_id: live.trigger.task_id,
        attempt: live.trigger.attempt,
        code,
        message,
      });
      this.#apply(requestId, { ok: false, recoverable: false, code, message }, undefined);
    }
  }

  /**
   * The timer that declares an attempt's result lost if it has not come by its deadline plus
   * grace — after `rounds` such spans more when the runtime holds it behind that many rounds
   * of its running attempts (each of which its deadline ends).
   */
  #deadline(requestId: string, trigger: TriggerAgent, rounds = 0): NodeJS.Timeout {
    // Node's timers hold at most 2^31 - 1 ms (a longer one would fire at once).
    const ms = Math.min((this.#o.taskTimeoutMs + this.#o.resultGraceMs) * (1 + rounds), 2 ** 31 - 1);
    return setTimeout(() => {
      // Given up on here: cancelled where it runs too, as Ctrl-C would, so it does not go on unseen.
      const runtimeId = this.#live.get(requestId)?.runtimeId;
      if (runtimeId)
        this.#o.bus.publish(this.#o.subjects.cancel(runtimeId), {
          type: 'CancelAttempt',
          request_id: requestId,
        } satisfies CancelAttempt);
      this.#lost(
        requestId,
        'RESULT_LOST',
        `No result for ${trigger.task_id} attempt ${trigger.attempt} within ${ms} ms of reaching a runtime.`,
      );
    }, ms);
  }

  #onProgress(m: BusMessage): void {
    const parsed = AttemptProgressSchema.safeParse(m.data);
    const live = parsed.success ? this.#live.get(parsed.data.request_id) : undefined;
    if (!live || !parsed.success) return;
    const { percent, message } = parsed.data;
    this.emit('progress', {
      ...this.#counts(),
      task: {
        task_id: live.trigger.task_id,
        attempt: live.trigger.attempt,
        ...(percent === undefined ? {} : { percent }),
        ...(message === undefined ? {} : { message }),
      },
    });
  }

  #onPlaced(message: BusMessage): void {
    // Only this process's dispatcher places this run's attempts: a placement from elsewhere could aim its results at another runtime.
    if (!isVetted(message.data)) {
      this.#o.logger.warn(
        { subject: message.subject, code: ErrorCodes.UNAUTHORIZED },
        'placement from outside this process ignored',
      );
      return;
    }
    const parsed = TriggerPlacedSchema.safeParse(message.data);
    const live = parsed.success ? this.#live.get(parsed.data.request_id) : undefined;
    if (!live || !parsed.success) return;
    const placed = parsed.data;
    live.runtimeId = placed.runtime_id;
    clearTimeout(live.deadline);
    live.deadline = this.#deadline(live.trigger.request_id, live.trigger, roundsAhead(placed.rounds_ahead));
  }

  #onResults(message: BusMessage): void {
    // A runtime's results subject takes a batch, or one result alone (the dispatcher acknowledges both).
    const data = message.data as { type?: unknown; results?: unknown } | null;
    const results = data?.type === 'AgentExecutionResult' ? [data] : data?.results;
    if (!Array.isArray(results)) return;
    const sender: ResultSender = {
      subjectRuntime: runtimeOfSubject(message.subject),
      vetted: isVetted(message.data),
      ...this.#hostedCheck,
    };
    // Apply the whole batch, then send what it released together: one trigger batch per agent, not one per result.
    this.#holding = true;
    try {
      for (const r of results) this.#onResult(r, sender);
    } finally {
      this.#holding = false;
    }
    if (!this.#done) this.#pump();
  }

  /**
   * One result, applied only when it matches its open attempt in every identifying field (see
   * {@link resultMismatch}); `sender.vetted` when this process built it (no need to check its shape again).
   */
  #onResult(data: unknown, sender: ResultSender): void {
    const requestId = (data as { request_id?: unknown } | null)?.request_id;
    if (typeof requestId !== 'string') return;
    const live = this.#live.get(requestId);
    if (live && !live.answered && live.runtimeId === null) {
      // Where it went is not known yet: checked when the dispatcher's answer is read.
      if ((live.early ??= []).length < MAX_EARLY_RESULTS) live.early.push([data, sender]);
      return;
    }
    if (!live) {
      // Ours but no longer open: a duplicate, one that came after its deadline, or one meant for the process before a resume.
      if (requestId.startsWith(`${this.id}_`))
        this.#o.logger.info({ request_id: requestId }, 'result for an attempt no longer open ignored');
      return;
    }
    let result: AgentExecutionResult;
    if (sender.vetted) result = data as AgentExecutionResult;
    else {
      const parsed = AgentExecutionResultSchema.safeParse(data);
      if (!parsed.success) {
        this.#o.logger.warn({ request_id: requestId }, 'malformed result ignored');
        return;
      }
      result = parsed.data;
    }
    const mismatch = resultMismatch(result, live.trigger, live.runtimeId, sender);
    if (mismatch.length > 0) {
      // The dispatcher refuses it to its sender and logs it; here it only changes nothing.
      this.#o.logger.debug(
        { request_id: requestId, code: ErrorCodes.RESULT_MISMATCH },
        `result refused: ${describeMismatch(mismatch)}`,
      );
      return;
    }
    const outcome: Outcome =
      result.outcome.status === 'complete'
        ? { ok: true, produced: this.#produced(live.record.task, result), summary: result.outcome.summary ?? null }
        : {
            ok: false,
            recoverable: result.outcome.error.recoverable,
            code: result.outcome.error.code,
            message: result.outcome.error.message,
          };
    this.#apply(requestId, outcome, result);
  }

  #produced(v: number, result: AgentExecutionResult): ProducedOutput[] {
    if (result.outcome.status !== 'complete') return [];
    const { produced, undeclared } = producedRefs(this.#core.plan, v, result.outcome.output_refs_produced ?? []);
    for (const ref of undeclared)
      this.#o.logger.warn({ task_id: result.task_id, ref_id: ref }, 'undeclared output ref ignored');
    return produced;
  }

  #lost(requestId: string, code: string, message: string): void {
    this.#o.logger.warn({ request_id: requestId, code }, message);
    this.#apply(requestId, { ok: false, recoverable: true, code, message }, undefined);
  }

  /** Feeds the outcome of a live attempt to the core, then sends what it released. */
  #apply(requestId: string, outcome: Outcome, result: AgentExecutionResult | undefined): void {
    const live = this.#live.get(requestId);
    if (!live || this.#done) return;
    this.#live.delete(requestId);
    clearTimeout(live.deadline);
    const core = this.#core;
    if (core.refusal(live.record.task, live.record.attempt) === undefined) {
      core.now = this.#o.clock();
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
    if (this.listenerCount('progress') > 0) this.emit('progress', this.#counts());
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
    for (const live of this.#live.values()) clearTimeout(live.deadline);
    this.#live.clear();
    this.#waiting.clear();
    for (const s of this.#subs) s.unsubscribe();
    this.#actors?.stop();
  }
}

/** Per task, the weight of the heaviest path from it to the end of the graph (itself included). */
function remainingPath(plan: CompiledPlan): Float64Array {
  const { data, topology } = graphInternals(plan.graph);
  const { order } = topology();
  const rank = new Float64Array(plan.n);
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k];
    let best = 0;
    for (let j = plan.succs.start[v]; j < plan.succs.start[v + 1]; j++) best = Math.max(best, rank[plan.succs.list[j]]);
    rank[v] = best + data.weights[v];
  }
  return rank;
}

/** The `rounds_ahead` of a dispatcher's answer or placement: a positive integer, else 0 (it starts at once). */
function roundsAhead(value: unknown): number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : 0;
}
