import type { Logger } from 'pino';
import type { z } from 'zod';
import { type AcknowledgedOptions, sendAcknowledged } from '../bus/acknowledged.js';
import type { Bus, BusMessage, Subscription } from '../bus/bus.js';
import { isoClock } from '../core/time.js';
import { type ErrorCode, ErrorCodes } from '../protocol/errors.js';
import {
  type AgentDispatchFailed,
  type AgentExecutionResult,
  type AgentExecutionResultBatch,
  type AgentRuntimeDeregistered,
  AgentRuntimeDeregisteredSchema,
  AgentExecutionResultSchema,
  AttemptsReclaimedSchema,
  AgentRuntimeRegisteredSchema,
  type CancelAttempt,
  type ErrorReply,
  ResultRequestSchema,
  type ResultsAccepted,
  RuntimeHeartbeatSchema,
  type TriggerAccepted,
  type TriggerAgent,
  type TriggerAgentBatch,
  type TriggerBatchReply,
  type TriggerPlaced,
  TriggerRequestSchema,
  TriggersAcceptedSchema,
  type ReclaimAttempts,
  WithdrawTriggersSchema,
} from '../protocol/runtime-events.js';
import type { Subjects } from '../protocol/subjects.js';
import { parseTagged, parseWith } from '../protocol/parse.js';
import { isVetted, vet } from '../protocol/vetted.js';
import { describeMismatch, type FieldMismatch, resultMismatch, runtimeOfSubject } from './result-identity.js';
import { type RuntimeEntry, RuntimeRegistry, serves } from './runtime-registry.js';
import { WaitingTriggers } from './waiting-triggers.js';

/** Options of a {@link Dispatcher}. */
export interface DispatcherOptions {
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly logger: Logger;
  /** Epoch milliseconds now. */
  readonly clock: () => number;
  /** Heartbeats a runtime may miss before it is declared defunct. @default 3 */
  readonly missedHeartbeats?: number;
  /** How often to look for defunct runtimes. @default 500 */
  readonly sweepMs?: number;
  /**
   * Starts the repeating timer that runs {@link Dispatcher.sweep} every `ms`; returns what stops
   * it. Tests pass one they tick by hand. @default an unref'd `setInterval`
   */
  readonly every?: (ms: number, tick: () => void) => () => void;
  /** How triggers are sent again until a runtime acknowledges them. */
  readonly delivery?: Pick<AcknowledgedOptions, 'ackTimeoutMs' | 'backoffMs' | 'maxBackoffMs' | 'giveUpAfterMs'>;
  /**
   * Whether an attempt a runtime reports, that this dispatcher did not hand it, is one nobody
   * here wants any more (a run resumed after the crash of the process that sent it runs it
   * again under a new request id): such attempts are cancelled on their runtime.
   */
  readonly staleAttempt?: (requestId: string) => boolean;
  /**
   * Work stealing: how long a runtime may have a slot free, while another holds attempts it
   * could run (its prefetch) and nothing else waits for it, before the dispatcher takes held
   * attempts back from the other (`ReclaimAttempts`) and places them on it. @default 20
   */
  readonly stealAfterMs?: number;
}

/** The default timer of {@link DispatcherOptions.every}: a `setInterval` that does not keep the process alive. */
function everyUnref(ms: number, tick: () => void): () => void {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
}

/** Where a trigger was placed, and how many rounds of that runtime's running attempts it waits for. */
interface Placement {
  readonly runtimeId: string;
  readonly rounds: number;
}

/** A result the dispatcher refused, and why. */
interface Refusal {
  readonly request_id: string;
  readonly fields: readonly FieldMismatch[];
}

/**
 * The dispatcher actor (seeds 000/001): keeps the registry of agent runtimes from their
 * registration, deregistration and heartbeat events; answers each `TriggerAgent` request by
 * handing it to the least-loaded live runtime that serves the agent and every capability
 * (`TriggerAccepted`), by queueing it until one has room, or — when no registered runtime
 * serves it at all — at once with `AgentDispatchFailed`, also published for the state manager.
 * Runtimes that stop heartbeating are deregistered as defunct, and their attempts reported
 * as recoverable `RUNTIME_LOST` failures so they are retried elsewhere.
 */
export class Dispatcher {
  readonly registry: RuntimeRegistry;
  readonly #o: DispatcherOptions;
  readonly #subs: Subscription[] = [];
  readonly #waiting = new WaitingTriggers();
  /** Request ids sent to a runtime that has not acknowledged them yet. */
  readonly #unacknowledged = new Set<string>();
  /** The trigger behind each attempt a runtime holds, to report it if the runtime is lost. */
  readonly #running = new Map<string, TriggerAgent>();
  /**
   * The runtime each of those attempts was placed on — kept after that runtime leaves, so the
   * results it still sends for them (a worker that died reports its attempts failed) are
   * recognised as its own until they come.
   */
  readonly #placedOn = new Map<string, string>();
  /** Attempts runtimes reported that this dispatcher did not place (by request id: the runtime). */
  readonly #adopted = new Map<string, string>();
  /** Triggers placed but not yet sent, by the subject of the runtime they go to. */
  readonly #outgoing = new Map<string, { runtimeId: string; triggers: TriggerAgent[] }>();
  /** Held attempts asked back from their runtime, by request id: the runtime they are for. */
  readonly #reclaiming = new Map<string, string>();
  /** Since when (epoch ms) each runtime has had a slot free, while other runtimes hold attempts. */
  readonly #idleSince = new Map<string, number>();
  /**
   * Runtimes this process hosts (its own worker threads): they registered through messages
   * this process built. A registration, deregistration or heartbeat naming one of them that
   * arrives from outside the process is forged, and refused.
   */
  readonly #hosted = new Set<string>();
  #stealTimer: NodeJS.Timeout | undefined;
  readonly #sweepMs: number;
  readonly #stopSweeping: () => void;
  /** When (epoch ms) {@link sweep} last ran, to tell how late the next one runs. */
  #lastSweep: number;
  /** Whether the last sweep ran late and left judging to this one. */
  #deferred = false;
  readonly #stopWatching: (() => void) | undefined;
  /** While the bus is cut off, silence from runtimes says nothing about them: no expiry. */
  #disconnected = false;
  #lastAnnounce = 0;

  constructor(options: DispatcherOptions) {
    this.#o = options;
    this.#stamp = isoClock(options.clock);
    this.registry = new RuntimeRegistry(options.missedHeartbeats ?? 3);
    const { bus, subjects } = options;
    this.#subs.push(bus.subscribe(subjects.patterns.runtimeDefinitions(), (m) => this.#onDefinition(m)));
    this.#subs.push(bus.subscribe(subjects.patterns.triggers(), (m) => this.#onTrigger(m)));
    this.#subs.push(bus.subscribe(subjects.patterns.withdrawals(), (m) => this.#onWithdraw(m)));
    this.#subs.push(bus.subscribe(subjects.patterns.results(), (m) => this.#onResult(m)));
    this.#subs.push(bus.subscribe(subjects.patterns.resultBatches(), (m) => this.#onResult(m)));
    this.#subs.push(bus.subscribe(subjects.patterns.reclaimed(), (m) => this.#onReclaimed(m)));
    this.#sweepMs = options.sweepMs ?? 500;
    this.#lastSweep = options.clock();
    this.#stopSweeping = (options.every ?? everyUnref)(this.#sweepMs, () => this.sweep());
    this.#stopWatching = bus.onConnection?.((event) => {
      this.#disconnected = event === 'disconnected';
      if (event === 'reconnected') {
        this.registry.touchAll(this.#o.clock());
        this.#announce(true);
      }
    });
    // Runtimes that registered before this dispatcher listened (other processes) announce themselves again.
    this.#announce(true);
  }

  /** Whether `runtimeId` is one of this process's own worker runtimes (it registered through a message this process built). */
  hosts(runtimeId: string): boolean {
    return this.#hosted.has(runtimeId);
  }

  /** Attempts waiting for a runtime with room. */
  get queued(): number {
    return this.#waiting.size;
  }

  /**
   * Cancels, on their runtimes, the attempts from before this dispatcher that `staleAttempt`
   * says nobody wants any more (call it when a run is resumed; registrations call it too).
   */
  cancelStale(): void {
    for (const [id, runtimeId] of this.#adopted) {
      if (this.registry.owner(id) !== runtimeId) {
        this.#adopted.delete(id);
        continue;
      }
      if (!this.#o.staleAttempt?.(id)) continue;
      this.#adopted.delete(id);
      this.#o.logger.info(
        { runtime_id: runtimeId, request_id: id },
        'cancelling an attempt from before this process that its run no longer wants',
      );
      this.#o.bus.publish(this.#o.subjects.cancel(runtimeId), {
        type: 'CancelAttempt',
        request_id: id,
      } satisfies CancelAttempt);
    }
  }

  /**
   * Deregisters runtimes that missed their heartbeats (also run on a timer, every `sweepMs`).
   *
   * Silence is judged in the time this dispatcher could observe. When a sweep runs late — its
   * own event loop was busy (a large submit, a long GC, a loaded machine) — the heartbeats that
   * came meanwhile wait, unread, behind it: the timer runs before the messages queued during the
   * stall are handled. So a sweep that runs late by L credits L to every runtime (as if each had
   * been seen L later), and one late by more than half an interval expires nothing: runtimes
   * are judged by the next sweep, which runs after the waiting messages were read — whether it
   * is late or not, so on a machine loaded enough to make every sweep late, every other one
   * still judges. A runtime that really stopped is still found, one stall later.
   */
  sweep(): void {
    const now = this.#o.clock();
    const late = now - this.#lastSweep - this.#sweepMs;
    this.#lastSweep = now;
    if (this.#disconnected) return;
    if (late > 0) this.registry.credit(late, now);
    if (late > this.#sweepMs / 2 && !this.#deferred) {
      this.#deferred = true;
      this.#o.logger.debug(
        { late_ms: late },
        'sweep ran late (this process was busy): runtimes credited, judged at the next sweep',
      );
      return;
    }
    this.#deferred = false;
    for (const entry of this.registry.expire(now)) this.#lost(entry.runtimeId, [...entry.inFlight], 'defunct');
  }

  /**
   * Work stealing (also run on a timer): for each runtime that has had a slot free for
   * `stealAfterMs` while others hold attempts it serves, asks the runtime holding the most to
   * give back its latest-placed ones, as many as there are free slots. What it gives back
   * (`AttemptsReclaimed`; what it has started meanwhile runs on there) is placed again.
   */
  steal(): void {
    this.#stealTimer = undefined;
    const now = this.#o.clock();
    const after = this.#o.stealAfterMs ?? 20;
    const runtimes = this.registry.runtimes();
    const holders = runtimes
      .filter((e) => e.inFlight.size > e.concurrency)
      .sort((a, b) => b.inFlight.size - b.concurrency - (a.inFlight.size - a.concurrency));
    if (holders.length === 0) return;
    const asked = new Map<string, number>();
    for (const target of this.#reclaiming.values()) asked.set(target, (asked.get(target) ?? 0) + 1);
    let wake = Number.POSITIVE_INFINITY;
    for (const idle of runtimes) {
      let free = idle.concurrency - idle.inFlight.size - (asked.get(idle.runtimeId) ?? 0);
      const since = this.#idleSince.get(idle.runtimeId);
      if (free <= 0 || since === undefined) continue;
      if (now - since < after) {
        wake = Math.min(wake, since + after);
        continue;
      }
      for (const holder of holders) {
        if (free <= 0) break;
        if (holder === idle) continue;
        const ids = this.#stealable(holder, idle, free);
        if (ids.length === 0) continue;
        free -= ids.length;
        for (const id of ids) this.#reclaiming.set(id, idle.runtimeId);
        this.#o.logger.debug(
          { from: holder.runtimeId, to: idle.runtimeId, request_ids: ids },
          'reclaiming held attempts for a runtime with a slot free',
        );
        this.#o.bus.publish(
          this.#o.subjects.reclaim(holder.runtimeId),
          vet<ReclaimAttempts>({ type: 'ReclaimAttempts', request_ids: ids, at: this.#now() }),
        );
      }
    }
    if (wake < Number.POSITIVE_INFINITY) this.#armSteal(wake - now);
  }

  /** Up to `max` of the attempts `holder` holds beyond those it runs (latest placed first) that `idle` serves and nobody asked back yet. */
  #stealable(holder: RuntimeEntry, idle: RuntimeEntry, max: number): string[] {
    let held = holder.inFlight.size - holder.concurrency;
    const ids: string[] = [];
    const placed = [...holder.inFlight];
    for (let i = placed.length - 1; i >= 0 && held > 0 && ids.length < max; i--) {
      const id = placed[i];
      if (this.#reclaiming.has(id)) {
        held--;
        continue;
      }
      const trigger = this.#running.get(id);
      if (!trigger || !serves(idle, trigger.agent_id, trigger.dispatch.capability_ids)) continue;
      ids.push(id);
      held--;
    }
    return ids;
  }

  #armSteal(ms: number): void {
    if (this.#stealTimer !== undefined) return;
    this.#stealTimer = setTimeout(() => this.steal(), Math.max(0, ms));
    this.#stealTimer.unref();
  }

  /** After placements: notes which runtimes have a slot free, and wakes {@link steal} when others hold attempts meanwhile. */
  #watchIdle(): void {
    let holding = false;
    let idle = false;
    let now: number | undefined;
    for (const e of this.registry.runtimes()) {
      if (e.inFlight.size > e.concurrency) holding = true;
      if (e.inFlight.size < e.concurrency) {
        idle = true;
        if (!this.#idleSince.has(e.runtimeId)) this.#idleSince.set(e.runtimeId, (now ??= this.#o.clock()));
      } else this.#idleSince.delete(e.runtimeId);
    }
    if (holding && idle) this.#armSteal(this.#o.stealAfterMs ?? 20);
  }

  close(): void {
    clearTimeout(this.#stealTimer);
    this.#stopSweeping();
    this.#stopWatching?.();
    for (const s of this.#subs) s.unsubscribe();
  }

  readonly #stamp: () => string;

  #now(): string {
    return this.#stamp();
  }

  #onDefinition(message: BusMessage): void {
    const event = message.subject.slice(message.subject.lastIndexOf('.') + 1);
    const now = this.#o.clock();
    if (event === 'registered') {
      const parsed = this.#definition(message, AgentRuntimeRegisteredSchema, 'AgentRuntimeRegistered');
      if (parsed === undefined) return;
      const runtimeId = parsed.runtime_id;
      const own = [
        this.#o.subjects.execute(runtimeId),
        this.#o.subjects.cancel(runtimeId),
        this.#o.subjects.reclaim(runtimeId),
      ];
      const foreign = (parsed.subjects ?? []).find((s) => !own.includes(s));
      if (foreign !== undefined)
        return this.#refuse(
          message,
          ErrorCodes.UNAUTHORIZED,
          `Runtime ${runtimeId} lists ${foreign} among its subjects; a runtime may list only its own command subjects (${own.join(', ')}).`,
        );
      if (isVetted(message.data)) this.#hosted.add(runtimeId);
      // A refreshing registration does not list what was sent to it and not yet acknowledged: that stays too.
      // What it lists that no dispatcher here handed it is adopted: another process's, from before this one.
      const { lost, adopted } = this.registry.register(parsed, now, (id) => this.#unacknowledged.has(id));
      this.#o.logger.info(
        { runtime_id: runtimeId, agents: parsed.agents.map((a) => a.agent_id), capacity: parsed.capacity },
        'runtime registered',
      );
      for (const id of adopted) this.#adopted.set(id, runtimeId);
      if (adopted.length > 0) this.cancelStale();
      if (lost.length > 0) this.#reportLost(lost, runtimeId);
      this.#drain();
    } else if (event === 'deregistered') {
      const parsed = this.#definition(message, AgentRuntimeDeregisteredSchema, 'AgentRuntimeDeregistered');
      if (parsed === undefined) return;
      // The runtime reports its own attempts; those it lists as in flight it hands back.
      const entry = this.registry.deregister(parsed.runtime_id);
      if (entry)
        this.#lost(
          entry.runtimeId,
          (parsed.in_flight ?? []).filter((id) => entry.inFlight.has(id)),
          parsed.reason,
          false,
        );
    } else if (event === 'heartbeat') {
      const parsed = this.#definition(message, RuntimeHeartbeatSchema, 'RuntimeHeartbeat');
      if (parsed === undefined) return;
      if (!this.registry.heartbeat(parsed.runtime_id, now)) {
        this.#o.logger.warn(
          { runtime_id: parsed.runtime_id },
          'heartbeat from an unregistered runtime; asking runtimes to announce themselves',
        );
        this.#announce(false);
      }
    }
  }

  /**
   * A runtime definition event, checked: against its schema, for naming in its body the
   * runtime of its subject, and — for a runtime this process hosts — for coming from this
   * process. `undefined` (and the sender told why) when it is refused.
   */
  #definition<T extends { runtime_id: string }>(
    message: BusMessage,
    schema: z.ZodType<T>,
    what: string,
  ): T | undefined {
    const vetted = isVetted(message.data);
    let value: T;
    if (vetted) value = message.data as T;
    else {
      const parsed = parseWith(schema, message.data, what);
      if (!parsed.ok) {
        this.#refuse(message, parsed.error.code, parsed.error.message);
        return undefined;
      }
      value = parsed.value;
    }
    const named = runtimeOfSubject(message.subject);
    if (named !== value.runtime_id) {
      this.#refuse(
        message,
        ErrorCodes.UNAUTHORIZED,
        `The ${what} on the subject of runtime ${named} names runtime ${value.runtime_id} in its body; a runtime speaks only for itself.`,
      );
      return undefined;
    }
    if (!vetted && this.#hosted.has(value.runtime_id)) {
      this.#refuse(
        message,
        ErrorCodes.UNAUTHORIZED,
        `Runtime ${value.runtime_id} is one of this process's own worker runtimes; an ${what} for it from outside the process is refused.`,
      );
      return undefined;
    }
    return value;
  }

  #onTrigger(message: BusMessage): void {
    // Checked in full before anything is placed: a trigger is forwarded to runtimes as it came.
    let request = message.data as TriggerAgent | TriggerAgentBatch;
    if (!isVetted(request)) {
      const parsed = parseTagged(TriggerRequestSchema, message.data, ['TriggerAgent', 'TriggerAgentBatch']);
      if (!parsed.ok) return this.#refuse(message, parsed.error.code, parsed.error.message);
      request = parsed.value;
    }
    const batch = request.type === 'TriggerAgentBatch';
    const triggers = request.type === 'TriggerAgentBatch' ? request.triggers : [request];
    const replies = triggers.map((t) => this.#take(t, message.priority));
    // The requester hears where each trigger went before any runtime can answer for it.
    this.#o.bus.respond(
      message,
      vet(batch ? ({ type: 'TriggerBatchReply', replies } satisfies TriggerBatchReply) : replies[0]),
    );
    this.#forward();
  }

  /** A cancelled run takes back what is still queued (what runtimes hold, they are told to cancel). */
  #onWithdraw(message: BusMessage): void {
    const parsed = parseWith(WithdrawTriggersSchema, message.data, 'WithdrawTriggers');
    if (!parsed.ok) return this.#refuse(message, parsed.error.code, parsed.error.message);
    const withdrawn = this.#waiting.withdraw(parsed.value.request_ids);
    if (withdrawn > 0) this.#o.logger.info({ withdrawn }, 'queued triggers withdrawn');
  }

  /** Places, queues or refuses one trigger; the answer for its requester. */
  #take(trigger: TriggerAgent, priority: number): TriggerAccepted | AgentDispatchFailed {
    // A repeat (the requester's copy of our answer was lost): answer again, place nothing twice.
    if (this.#running.has(trigger.request_id))
      return {
        type: 'TriggerAccepted',
        request_id: trigger.request_id,
        runtime_id: this.registry.owner(trigger.request_id) ?? null,
        at: this.#now(),
      };
    if (this.#waiting.has(trigger.request_id))
      return { type: 'TriggerAccepted', request_id: trigger.request_id, runtime_id: null, at: this.#now() };
    const capabilities = trigger.dispatch.capability_ids;
    if (!this.registry.anyServes(trigger.agent_id, capabilities)) {
      const failed: AgentDispatchFailed = {
        type: 'AgentDispatchFailed',
        request_id: trigger.request_id,
        workflow_id: trigger.workflow_id,
        agent_id: trigger.agent_id,
        task_id: trigger.task_id,
        attempt: trigger.attempt,
        error: {
          code: ErrorCodes.CAPABILITY_NOT_AVAILABLE,
          message: `No registered runtime serves ${trigger.agent_id} for ${capabilities.join(', ')}.`,
          recoverable: false,
        },
        at: this.#now(),
      };
      this.#o.logger.warn(
        { request_id: trigger.request_id, agent_id: trigger.agent_id, capabilities },
        'dispatch failed: capability not available',
      );
      this.#o.bus.publish(this.#o.subjects.dispatchFailed(trigger.request_id), failed);
      return failed;
    }
    const placement = this.#place(trigger);
    if (placement === undefined) this.#waiting.add(trigger, priority);
    const accepted: TriggerAccepted = {
      type: 'TriggerAccepted',
      request_id: trigger.request_id,
      runtime_id: placement?.runtimeId ?? null,
      at: this.#now(),
    };
    if (placement && placement.rounds > 0) accepted.rounds_ahead = placement.rounds;
    return accepted;
  }

  /** Claims a slot on the least-loaded runtime with room; where, or `undefined` if none has room. Sent by {@link #forward}. */
  #place(trigger: TriggerAgent): Placement | undefined {
    const entry = this.registry.pick(trigger.agent_id, trigger.dispatch.capability_ids);
    if (!entry) return undefined;
    const rounds = this.registry.roundsAhead(entry);
    this.registry.claim(entry.runtimeId, trigger.request_id);
    // Full again: a slot it frees later starts a new idle spell.
    if (this.#idleSince.size > 0 && entry.inFlight.size >= entry.concurrency) this.#idleSince.delete(entry.runtimeId);
    this.#running.set(trigger.request_id, trigger);
    this.#placedOn.set(trigger.request_id, entry.runtimeId);
    const subject = entry.subjects[0] ?? this.#o.subjects.execute(entry.runtimeId);
    const out = this.#outgoing.get(subject);
    if (out) out.triggers.push(trigger);
    else this.#outgoing.set(subject, { runtimeId: entry.runtimeId, triggers: [trigger] });
    return { runtimeId: entry.runtimeId, rounds };
  }

  /**
   * Hands each runtime the triggers placed on it since the last call, in one message, sent
   * again until the runtime acknowledges it — for as long as the runtime is registered and
   * the attempts are still its (a runtime lost meanwhile has its attempts retried elsewhere).
   */
  #forward(): void {
    for (const [subject, { runtimeId, triggers }] of this.#outgoing) {
      const ids = triggers.map((t) => t.request_id);
      for (const id of ids) this.#unacknowledged.add(id);
      const acknowledged = () => {
        for (const id of ids) this.#unacknowledged.delete(id);
      };
      sendAcknowledged(this.#o.bus, subject, vet<TriggerAgentBatch>({ type: 'TriggerAgentBatch', triggers }), {
        ...this.#o.delivery,
        accepts: TriggersAcceptedSchema,
        stillWanted: () => this.registry.get(runtimeId) !== undefined && ids.some((id) => this.#running.has(id)),
        onAcknowledged: acknowledged,
        onStop: acknowledged,
        onRefused: (error) => {
          acknowledged();
          this.#o.logger.error(
            { runtime_id: runtimeId, triggers: ids.length, code: error.code },
            `triggers refused by their runtime: ${error.message}`,
          );
          // They will not run there: free their slots and let their runs retry them.
          const refused = ids.filter((id) => this.registry.owner(id) === runtimeId);
          for (const id of refused) this.registry.release(id);
          this.#reportLost(
            refused,
            runtimeId,
            error.code,
            `Runtime ${runtimeId} refused the attempt: ${error.message}`,
          );
          this.#drain();
        },
        onGiveUp: (error) => {
          acknowledged();
          this.#o.logger.error(
            { runtime_id: runtimeId, triggers: ids.length, code: error.code },
            `triggers given up on: ${error.message}`,
          );
        },
      });
    }
    this.#outgoing.clear();
  }

  /** Asks every runtime host to publish its registrations again (at most once a second unless `force`). */
  #announce(force: boolean): void {
    const now = this.#o.clock();
    if (!force && now - this.#lastAnnounce < 1000) return;
    this.#lastAnnounce = now;
    try {
      this.#o.bus.publish(this.#o.subjects.announce(), { type: 'AnnounceRuntimes', at: this.#now() });
    } catch {
      // closed bus: nothing to ask
    }
  }

  #drain(): void {
    this.#waiting.drain(
      (trigger) => this.#place(trigger),
      (trigger, placement) => this.#announcePlaced(trigger, placement),
    );
    this.#forward();
    this.#watchIdle();
  }

  /** Tells the supervisor where a trigger it was told is queued (or held elsewhere) went after all. */
  #announcePlaced(trigger: TriggerAgent, placement: Placement): void {
    const placed: TriggerPlaced = {
      type: 'TriggerPlaced',
      request_id: trigger.request_id,
      runtime_id: placement.runtimeId,
      at: this.#now(),
    };
    if (placement.rounds > 0) placed.rounds_ahead = placement.rounds;
    // Vetted: a run believes a placement only from its own process's dispatcher.
    this.#o.bus.publish(this.#o.subjects.placed(trigger.request_id), vet(placed));
  }

  /** A runtime gave back held attempts unstarted: free their slots there and place them again, ahead of what waits. */
  #onReclaimed(message: BusMessage): void {
    const parsed = isVetted(message.data)
      ? { ok: true as const, value: message.data as { runtime_id: string; request_ids: string[] } }
      : parseWith(AttemptsReclaimedSchema, message.data, 'AttemptsReclaimed');
    if (!parsed.ok) return this.#refuse(message, parsed.error.code, parsed.error.message);
    const { runtime_id: from, request_ids: ids } = parsed.value;
    if (runtimeOfSubject(message.subject) !== from)
      return this.#refuse(
        message,
        ErrorCodes.UNAUTHORIZED,
        `The AttemptsReclaimed on the subject of runtime ${runtimeOfSubject(message.subject)} names runtime ${from}; a runtime gives back only its own attempts.`,
      );
    const back: TriggerAgent[] = [];
    for (const id of ids) {
      this.#reclaiming.delete(id);
      const trigger = this.#running.get(id);
      // A repeat of this report, or an attempt this dispatcher no longer places there: nothing to move.
      if (!trigger || this.registry.owner(id) !== from) continue;
      this.registry.release(id);
      this.#running.delete(id);
      this.#placedOn.delete(id);
      back.push(trigger);
    }
    this.#o.bus.respond(message, vet<ResultsAccepted>({ type: 'ResultsAccepted', count: ids.length }));
    for (const trigger of back) {
      const placement = this.#place(trigger);
      if (placement) this.#announcePlaced(trigger, placement);
      else this.#waiting.add(trigger, Number.MAX_SAFE_INTEGER);
    }
    if (back.length > 0)
      this.#o.logger.debug({ from, moved: back.length }, 'held attempts moved to runtimes with a slot free');
    this.#drain();
  }

  /**
   * Results, one or a batch: each frees the slot of its attempt — when it matches the attempt in
   * every identifying field (run, task, attempt, and the runtime the attempt was placed on, which
   * is also the runtime of the results subject). Checked before anything is acknowledged: a
   * malformed message is answered `INVALID_INPUT` and a mismatching result `RESULT_MISMATCH`,
   * and neither changes anything. A result for an attempt no longer open (a repeat, one from
   * before a resume) is acknowledged and changes nothing. The supervisor checks the same.
   */
  #onResult(message: BusMessage): void {
    const vetted = isVetted(message.data);
    const onRuntimeSubject = message.subject.endsWith('.results');
    let request = message.data as AgentExecutionResult | AgentExecutionResultBatch;
    if (!vetted) {
      const parsed = onRuntimeSubject
        ? parseTagged(ResultRequestSchema, message.data, ['AgentExecutionResultBatch', 'AgentExecutionResult'])
        : parseWith(AgentExecutionResultSchema, message.data, 'AgentExecutionResult');
      if (!parsed.ok) return this.#refuse(message, parsed.error.code, parsed.error.message);
      request = parsed.value;
    }
    const results = request.type === 'AgentExecutionResultBatch' ? request.results : [request];
    const sender = {
      subjectRuntime: onRuntimeSubject ? runtimeOfSubject(message.subject) : null,
      vetted,
      hosted: (id: string) => this.#hosted.has(id),
    };
    const refused: Refusal[] = [];
    let freed = false;
    for (const result of results) {
      const id = result.request_id;
      const trigger = this.#running.get(id);
      const placedOn = this.#placedOn.get(id) ?? this.registry.owner(id);
      if (trigger) {
        const fields = resultMismatch(result, trigger, placedOn, sender);
        if (fields.length > 0) {
          refused.push({ request_id: id, fields });
          continue;
        }
      } else if (placedOn === undefined || placedOn !== (sender.subjectRuntime ?? result.runtime_id)) {
        // Not open here (a repeat, a late one, another process's): acknowledged, changes nothing.
        continue;
      }
      this.#running.delete(id);
      this.#placedOn.delete(id);
      this.#adopted.delete(id);
      this.#reclaiming.delete(id);
      if (this.registry.release(id) !== undefined) freed = true;
    }
    if (refused.length > 0) {
      for (const r of refused)
        this.#o.logger.warn(
          {
            subject: message.subject,
            request_id: r.request_id,
            code: ErrorCodes.RESULT_MISMATCH,
            mismatched: r.fields.map((f) => f.field),
          },
          `result refused: it does not match its attempt in ${describeMismatch(r.fields)}`,
        );
      const text = `${refused.length} of ${results.length} results do not match the attempt they name and were refused: ${refused.map((r) => `${r.request_id}: ${describeMismatch(r.fields)}`).join('; ')}.`;
      this.#o.bus.respond(message, {
        type: 'Error',
        code: ErrorCodes.RESULT_MISMATCH,
        message: text,
        refused,
      } satisfies ErrorReply & { refused: Refusal[] });
    } else {
      // The runtime sends its results again until acknowledged; a repeat frees nothing twice.
      this.#o.bus.respond(message, vet<ResultsAccepted>({ type: 'ResultsAccepted', count: results.length }));
    }
    if (freed) this.#drain();
  }

  /** A runtime left: publish its deregistration (when we decided it) and fail its attempts as recoverable. */
  #lost(runtimeId: string, inFlight: string[], reason: AgentRuntimeDeregistered['reason'], announce = true): void {
    this.#o.logger[reason === 'shutdown' ? 'info' : 'warn'](
      { runtime_id: runtimeId, reason, in_flight: inFlight.length },
      'runtime deregistered',
    );
    if (announce) {
      const event: AgentRuntimeDeregistered = {
        type: 'AgentRuntimeDeregistered',
        runtime_id: runtimeId,
        reason,
        in_flight: inFlight,
        at: this.#now(),
      };
      this.#o.bus.publish(this.#o.subjects.deregistered(runtimeId), vet(event));
    }
    this.#idleSince.delete(runtimeId);
    this.#reportLost(inFlight, runtimeId);
    this.#drain();
  }

  /** Fails, as recoverable, the attempts a runtime will not report (lost with it, or refused by it). */
  #reportLost(
    requestIds: readonly string[],
    runtimeId: string,
    code: ErrorCode | 'RUNTIME_LOST' = 'RUNTIME_LOST',
    reason?: string,
  ): void {
    for (const id of requestIds) {
      const trigger = this.#running.get(id);
      this.#running.delete(id);
      this.#placedOn.delete(id);
      this.#reclaiming.delete(id);
      if (!trigger) continue;
      const result: AgentExecutionResult = {
        type: 'AgentExecutionResult',
        request_id: id,
        workflow_id: trigger.workflow_id,
        task_id: trigger.task_id,
        attempt: trigger.attempt,
        runtime_id: null,
        outcome: {
          status: 'failed',
          error: {
            code,
            message:
              reason ?? `Runtime ${runtimeId} was lost while running ${trigger.task_id} attempt ${trigger.attempt}.`,
            recoverable: true,
          },
        },
        at: this.#now(),
      };
      // Vetted: a report on a runtime's behalf (runtime_id null) counts only from this process's dispatcher.
      this.#o.bus.publish(this.#o.subjects.result(id), vet(result));
    }
  }

  #refuse(message: BusMessage, code: ErrorCode, text: string): void {
    this.#o.logger.warn({ subject: message.subject, code }, `malformed message refused: ${text}`);
    this.#o.bus.respond(message, { type: 'Error', code, message: text });
  }
}
