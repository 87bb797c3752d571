import type { Logger } from 'pino';
import { type AcknowledgedOptions, sendAcknowledged } from '../bus/acknowledged.js';
import type { Bus, Subscription } from '../bus/bus.js';
import { isoClock } from '../core/time.js';
import { parseTagged, parseWith } from '../protocol/parse.js';
import { isVetted, vet } from '../protocol/vetted.js';
import {
  type AgentExecutionResult,
  type AgentExecutionResultBatch,
  type AgentRuntimeDeregistered,
  type AgentRuntimeRegistered,
  AnnounceRuntimesSchema,
  type AttemptProgress,
  type AttemptsReclaimed,
  CancelAttemptSchema,
  ReclaimAttemptsSchema,
  ResultsAcceptedSchema,
  type RuntimeHeartbeat,
  type TriggerAgent,
  type TriggerAgentBatch,
  TriggerRequestSchema,
} from '../protocol/runtime-events.js';
import type { Subjects } from '../protocol/subjects.js';
import type { AgentPool } from './agent-pool.js';
import type { AttemptSink, WorkerHandle } from './worker-handle.js';
import { RecentIds } from './recent-ids.js';
import type { ExecuteResult } from './worker-protocol.js';

/** Shortest time between two rounds of registrations a runtime host publishes when dispatchers ask (`AnnounceRuntimes`). */
const ANNOUNCE_GAP_MS = 100;

/** Options of {@link connectPool}. */
export interface BusRuntimesOptions {
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly logger: Logger;
  readonly clock: () => number;
  /** Deadline of an attempt whose trigger states none. */
  readonly defaultTimeoutMs: number;
  /** After a timeout aborts a handler, how long it may take to settle before its worker is killed. @default 2000 */
  readonly killGraceMs?: number;
  readonly heartbeatMs: number;
  /** Tasks to fail on purpose (demos, drills): the handler is not run; the attempt fails with `INJECTED_FAULT`. */
  readonly faults?: Readonly<Record<string, { recoverable: boolean; times?: number }>>;
  /** How results are sent again until acknowledged (timeouts and backoff). */
  readonly delivery?: Pick<AcknowledgedOptions, 'ackTimeoutMs' | 'backoffMs' | 'maxBackoffMs' | 'giveUpAfterMs'>;
}

/** The bus side of a pool: what it registered and how to take it down. */
export interface BusRuntimes {
  /**
   * Stops taking attempts, waits up to `drainMs` (default 0) for those running to finish and
   * their results to be delivered, then deregisters every runtime (reason `shutdown`), handing
   * back — listing in `in_flight` — the attempts still running, which the dispatcher then
   * reports as recoverable failures so they run elsewhere.
   */
  close(options?: { drainMs?: number }): Promise<void>;
  /** Attempts held now, over all runtimes: running, or finished with their results not yet acknowledged. */
  readonly inFlight: number;
}

/**
 * Puts an {@link AgentPool}'s worker runtimes on the bus: each registers
 * (`AgentRuntimeRegistered`), heartbeats, takes `TriggerAgent` commands on its execute
 * subject and publishes an `AgentExecutionResult` for each. An attempt that runs past its
 * deadline is aborted and reported as a recoverable `TIMEOUT`; if its handler still has not
 * settled after the grace period, the worker is killed (and replaced by the pool). A worker
 * that dies is deregistered as defunct at once.
 */
export function connectPool(pool: AgentPool, options: BusRuntimesOptions): BusRuntimes {
  const { bus, subjects, logger } = options;
  const now = isoClock(options.clock);
  const subs = new Map<string, Subscription[]>();
  /**
   * Request ids each runtime holds: running, or finished with the result not yet acknowledged
   * (so a refreshing registration keeps them on it, and a drain waits for their results).
   */
  const running = new Map<string, Set<string>>();
  /**
   * Triggers taken lately, so one sent again (its acknowledgement was lost) runs once. Known by
   * request id and send time: a copy sent again is the same message, while a later run under a
   * reused run id sends the same request ids anew. A reliable bus sends nothing again, so
   * there a repeat can only be one still held (in `running`), and no window is kept.
   */
  const taken = bus.reliable ? undefined : new RecentIds(100_000);
  let closing = false;
  const registrations = new Map<string, AgentRuntimeRegistered>();
  /** Our live runtimes that the dispatcher declared defunct (a worker whose loop was blocked a while). */
  const declaredDefunct = new Set<string>();

  /** `alone`: the runtime takes one attempt at a time ({@link WorkerHandle.takesOne}), so its result goes at once. */
  const publishResult = (trigger: TriggerAgent, runtimeId: string, result: ExecuteResult, alone: boolean) => {
    const event: AgentExecutionResult = {
      type: 'AgentExecutionResult',
      request_id: trigger.request_id,
      workflow_id: trigger.workflow_id,
      task_id: trigger.task_id,
      attempt: trigger.attempt,
      runtime_id: runtimeId,
      outcome:
        result.type === 'succeeded'
          ? { status: 'complete', ...result.output }
          : {
              status: 'failed',
              error: { code: result.error.code, message: result.error.message, recoverable: result.error.recoverable },
            },
      at: now(),
    };
    if (alone) {
      deliver(runtimeId, [event]);
      return;
    }
    batchedResults(runtimeId, event);
  };

  // Results that end within one turn go out together, one message per runtime.
  const batchedResults = perTurn<AgentExecutionResult>((runtimeId, results) => deliver(runtimeId, results));
  /** Attempts given back unstarted within one turn, reported together per runtime. */
  const publishReclaimed = perTurn<string>((runtimeId, ids) =>
    sendAcknowledged(
      bus,
      subjects.reclaimed(runtimeId),
      vet<AttemptsReclaimed>({ type: 'AttemptsReclaimed', runtime_id: runtimeId, request_ids: ids, at: now() }),
      {
        ...options.delivery,
        accepts: ResultsAcceptedSchema,
        onGiveUp: (error) =>
          logger.error(
            { runtime_id: runtimeId, reclaimed: ids.length, code: error.code },
            `report of reclaimed attempts given up on: ${error.message}`,
          ),
      },
    ),
  );

  /** Acknowledged delivery: sent again, with backoff, until the dispatcher acknowledges it. */
  const deliver = (runtimeId: string, results: AgentExecutionResult[]) => {
    const done = () => {
      const mine = running.get(runtimeId);
      if (mine) for (const r of results) mine.delete(r.request_id);
    };
    sendAcknowledged(
      bus,
      subjects.results(runtimeId),
      vet<AgentExecutionResultBatch>({ type: 'AgentExecutionResultBatch', results }),
      {
        ...options.delivery,
        accepts: ResultsAcceptedSchema,
        onAcknowledged: done,
        onGiveUp: (error) => {
          done();
          logger.error(
            { runtime_id: runtimeId, results: results.length, code: error.code },
            `results given up on: ${error.message}`,
          );
        },
        onStop: done,
      },
    );
  };

  const run = (handle: WorkerHandle, trigger: TriggerAgent) => {
    let mine = running.get(handle.runtimeId);
    if (!mine) running.set(handle.runtimeId, (mine = new Set<string>()));
    if (mine.has(trigger.request_id) || (taken && !taken.add(trigger.request_id, trigger.at))) return;
    mine.add(trigger.request_id);
    // It stays in `running` until its result is acknowledged (see deliver).
    const fault = options.faults?.[trigger.task_id];
    if (fault && (fault.times === undefined || trigger.attempt <= fault.times)) {
      const message = `Injected ${fault.recoverable ? 'recoverable' : 'non-recoverable'} fault: ${trigger.task_id} attempt ${trigger.attempt} was failed on purpose.`;
      publishResult(
        trigger,
        handle.runtimeId,
        {
          type: 'failed',
          request_id: trigger.request_id,
          error: { name: 'SwitchyardError', code: 'INJECTED_FAULT', message, recoverable: fault.recoverable },
        },
        handle.takesOne,
      );
      return;
    }
    // The trigger has every field the worker is sent (and more, which stays here).
    handle.send(trigger, new Attempt(handle, trigger, trigger.timeout_ms ?? options.defaultTimeoutMs));
  };

  /** One attempt on one runtime, from its trigger to its result: what the worker handle tells of it goes here. */
  class Attempt implements AttemptSink {
    #settled = false;
    #deadline: NodeJS.Timeout | undefined;
    #killer: NodeJS.Timeout | undefined;

    constructor(
      readonly handle: WorkerHandle,
      readonly trigger: TriggerAgent,
      readonly timeoutMs: number,
    ) {}

    // The deadline runs from when the attempt starts: an attempt the worker holds (its
    // prefetch) waits for a running one to end first.
    started(): void {
      this.#deadline = setTimeout(() => this.#timedOut(), this.timeoutMs);
    }

    done(result: ExecuteResult): void {
      this.#stopTimers();
      if (this.#settled) return;
      this.#settled = true;
      publishResult(this.trigger, this.handle.runtimeId, result, this.handle.takesOne);
    }

    /** Given back unstarted: no result; the dispatcher places it again, maybe here. */
    reclaimed(): void {
      this.#stopTimers();
      this.#settled = true;
      const { handle, trigger } = this;
      running.get(handle.runtimeId)?.delete(trigger.request_id);
      taken?.forget(trigger.request_id);
      publishReclaimed(handle.runtimeId, trigger.request_id);
    }

    #timedOut(): void {
      const { handle, trigger, timeoutMs } = this;
      this.#settled = true;
      handle.cancel(trigger.request_id);
      logger.warn(
        { runtime_id: handle.runtimeId, request_id: trigger.request_id, timeout_ms: timeoutMs },
        'attempt timed out',
      );
      const message = `${trigger.task_id} attempt ${trigger.attempt} ran past its ${timeoutMs} ms deadline and was aborted.`;
      publishResult(
        trigger,
        handle.runtimeId,
        {
          type: 'failed',
          request_id: trigger.request_id,
          error: { name: 'SwitchyardError', code: 'TIMEOUT', message, recoverable: true },
        },
        handle.takesOne,
      );
      this.#killer = setTimeout(() => {
        logger.error(
          { runtime_id: handle.runtimeId, request_id: trigger.request_id },
          'handler ignored its abort signal; killing the worker',
        );
        void pool.terminate(handle.runtimeId);
      }, options.killGraceMs ?? 2000);
    }

    #stopTimers(): void {
      clearTimeout(this.#deadline);
      clearTimeout(this.#killer);
    }
  }

  /** Publishes a runtime's registration again, listing what it runs, so a dispatcher that lost track of it keeps those. */
  const refresh = (runtimeId: string) => {
    const registration = registrations.get(runtimeId);
    if (!registration || closing) return;
    // Vetted, as every message about our own runtimes: a dispatcher in this process tells them from forgeries.
    bus.publish(
      subjects.registered(runtimeId),
      vet<AgentRuntimeRegistered>({ ...registration, in_flight: [...(running.get(runtimeId) ?? [])], at: now() }),
    );
  };

  const register = (handle: WorkerHandle) => {
    const execute = subjects.execute(handle.runtimeId);
    const event: AgentRuntimeRegistered = {
      type: 'AgentRuntimeRegistered',
      runtime_id: handle.runtimeId,
      agents: handle.agents.map((a) => ({ agent_id: a.agent_id, capabilities: [...a.capabilities] })),
      capacity: handle.capacity,
      concurrency: handle.concurrency,
      heartbeat_interval_ms: options.heartbeatMs,
      subjects: [execute, subjects.cancel(handle.runtimeId)],
      at: now(),
    };
    subs.set(handle.runtimeId, [
      bus.subscribe(execute, (message) => {
        // The dispatcher of this process built it from the supervisor's typed triggers: no need to check it again.
        const parsed = isVetted(message.data)
          ? { ok: true as const, value: message.data as TriggerAgent | TriggerAgentBatch }
          : parseTagged(TriggerRequestSchema, message.data, ['TriggerAgent', 'TriggerAgentBatch']);
        if (!parsed.ok) {
          logger.warn(
            { runtime_id: handle.runtimeId, code: parsed.error.code },
            `malformed trigger refused: ${parsed.error.message}`,
          );
          bus.respond(message, { type: 'Error', code: parsed.error.code, message: parsed.error.message });
          return;
        }
        const request = parsed.value;
        const triggers = request.type === 'TriggerAgentBatch' ? request.triggers : [request];
        // The dispatcher sends again until this acknowledgement reaches it; repeats are ignored in run().
        bus.respond(message, { type: 'TriggersAccepted', runtime_id: handle.runtimeId, count: triggers.length });
        for (const trigger of triggers) run(handle, trigger);
      }),
      bus.subscribe(subjects.cancel(handle.runtimeId), (message) => {
        const parsed = parseWith(CancelAttemptSchema, message.data, 'cancel');
        if (!parsed.ok) {
          logger.warn(
            { runtime_id: handle.runtimeId, code: parsed.error.code },
            `malformed cancel refused: ${parsed.error.message}`,
          );
          bus.respond(message, { type: 'Error', code: parsed.error.code, message: parsed.error.message });
          return;
        }
        handle.cancel(parsed.value.request_id);
      }),
      bus.subscribe(subjects.reclaim(handle.runtimeId), (message) => {
        const parsed = isVetted(message.data)
          ? { ok: true as const, value: message.data as { request_ids: string[] } }
          : parseWith(ReclaimAttemptsSchema, message.data, 'ReclaimAttempts');
        if (!parsed.ok) {
          logger.warn(
            { runtime_id: handle.runtimeId, code: parsed.error.code },
            `malformed reclaim refused: ${parsed.error.message}`,
          );
          return;
        }
        // The worker decides: what it has started by now runs on here.
        const mine = running.get(handle.runtimeId);
        handle.reclaim(parsed.value.request_ids.filter((id) => mine?.has(id)));
      }),
    ]);
    registrations.set(handle.runtimeId, event);
    bus.publish(subjects.registered(handle.runtimeId), vet({ ...event }));
  };

  const deregister = (runtimeId: string, reason: 'shutdown' | 'defunct') => {
    for (const s of subs.get(runtimeId) ?? []) s.unsubscribe();
    subs.delete(runtimeId);
    registrations.delete(runtimeId);
    declaredDefunct.delete(runtimeId);
    const handedBack = [...(running.get(runtimeId) ?? [])];
    running.delete(runtimeId);
    bus.publish(
      subjects.deregistered(runtimeId),
      vet<AgentRuntimeDeregistered>({
        type: 'AgentRuntimeDeregistered',
        runtime_id: runtimeId,
        reason,
        ...(reason === 'shutdown' ? { in_flight: handedBack } : {}),
        at: now(),
      }),
    );
  };

  const onRuntime = (handle: WorkerHandle) => register(handle);
  const onExit = (handle: WorkerHandle, code: number) => {
    logger.error({ runtime_id: handle.runtimeId, exit_code: code }, 'agent worker exited');
    deregister(handle.runtimeId, 'defunct');
  };
  const onHeartbeat = (handle: WorkerHandle, inFlight: number) => {
    if (declaredDefunct.delete(handle.runtimeId) && registrations.has(handle.runtimeId)) {
      logger.warn(
        { runtime_id: handle.runtimeId },
        'runtime declared defunct is heartbeating again; registering it anew',
      );
      refresh(handle.runtimeId);
    }
    bus.publish(
      subjects.heartbeat(handle.runtimeId),
      vet<RuntimeHeartbeat>({
        type: 'RuntimeHeartbeat',
        runtime_id: handle.runtimeId,
        in_flight: inFlight,
        capacity: handle.capacity,
        at: now(),
      }),
    );
  };
  const onProgress = (requestId: string, update: { percent?: number; message?: string }) => {
    bus.publish(subjects.progress(requestId), {
      type: 'AttemptProgress',
      request_id: requestId,
      ...update,
      at: now(),
    } satisfies AttemptProgress);
  };
  // A dispatcher starting (or reconnecting) asks every runtime to announce itself; so does our own reconnection.
  // At most one round of registrations per ANNOUNCE_GAP_MS, the last ask answered: a flood of asks is not a flood of registrations.
  let announced = Number.NEGATIVE_INFINITY;
  let announceLater: NodeJS.Timeout | undefined;
  const announceAll = () => {
    announceLater = undefined;
    announced = options.clock();
    for (const runtimeId of registrations.keys()) refresh(runtimeId);
  };
  const announce = bus.subscribe(subjects.announce(), (message) => {
    if (!AnnounceRuntimesSchema.safeParse(message.data).success || announceLater !== undefined) return;
    const wait = announced + ANNOUNCE_GAP_MS - options.clock();
    if (wait <= 0) announceAll();
    else announceLater = setTimeout(announceAll, wait);
  });
  const stopWatching = bus.onConnection?.((event) => {
    if (event === 'reconnected') for (const runtimeId of registrations.keys()) refresh(runtimeId);
  });
  const watch = bus.subscribe(subjects.patterns.runtimeDefinitions(), (message) => {
    const data = message.data as { type?: unknown; runtime_id?: unknown; reason?: unknown } | null;
    if (
      data?.type === 'AgentRuntimeDeregistered' &&
      data.reason === 'defunct' &&
      typeof data.runtime_id === 'string' &&
      subs.has(data.runtime_id)
    )
      declaredDefunct.add(data.runtime_id);
  });
  pool.on('runtime', onRuntime);
  pool.on('runtimeExit', onExit);
  pool.on('heartbeat', onHeartbeat);
  pool.on('progress', onProgress);
  for (const handle of pool.runtimes()) register(handle);

  const inFlight = () => [...running.values()].reduce((n, set) => n + set.size, 0);
  return {
    get inFlight() {
      return inFlight();
    },
    async close(closeOptions = {}) {
      if (closing) return;
      // No new attempts: stop listening for triggers, then let the running ones finish a while.
      for (const [runtimeId, list] of subs) {
        list[0]?.unsubscribe();
        subs.set(runtimeId, list.slice(1));
      }
      const until = Date.now() + (closeOptions.drainMs ?? 0);
      while (inFlight() > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      closing = true;
      pool.off('runtime', onRuntime);
      pool.off('runtimeExit', onExit);
      pool.off('heartbeat', onHeartbeat);
      pool.off('progress', onProgress);
      watch.unsubscribe();
      announce.unsubscribe();
      clearTimeout(announceLater);
      stopWatching?.();
      for (const runtimeId of [...subs.keys()]) deregister(runtimeId, 'shutdown');
    },
  };
}

/**
 * Collects items per runtime and hands each runtime's items of one turn to `send` together,
 * at the turn's check phase.
 */
function perTurn<T>(send: (runtimeId: string, items: T[]) => void): (runtimeId: string, item: T) => void {
  const pending = new Map<string, T[]>();
  return (runtimeId, item) => {
    const items = pending.get(runtimeId);
    if (items) {
      items.push(item);
      return;
    }
    pending.set(runtimeId, [item]);
    setImmediate(() => {
      const batch = pending.get(runtimeId) ?? [];
      pending.delete(runtimeId);
      send(runtimeId, batch);
    });
  };
}
