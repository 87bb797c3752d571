import type { Logger } from 'pino';
import type { Bus, Subscription } from '../bus/bus.js';
import { isoClock } from '../core/time.js';
import { parseWith } from '../protocol/parse.js';
import { type AgentExecutionResult, type AgentExecutionResultBatch, type AgentRuntimeRegistered, type TriggerAgent, type TriggerAgentBatch, TriggerAgentBatchSchema, TriggerAgentSchema } from '../protocol/runtime-events.js';
import type { Subjects } from '../protocol/subjects.js';
import type { AgentPool } from './agent-pool.js';
import type { WorkerHandle } from './worker-handle.js';
import type { ExecuteResult } from './worker-protocol.js';

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
}

/** The bus side of a pool: what it registered and how to take it down. */
export interface BusRuntimes {
  /** Deregisters every runtime (reason `shutdown`) and stops listening. */
  close(): void;
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
  const outbox = new Map<string, AgentExecutionResult[]>();
  const registrations = new Map<string, AgentRuntimeRegistered>();
  /** Our live runtimes that the dispatcher declared defunct (a worker whose loop was blocked a while). */
  const declaredDefunct = new Set<string>();

  const publishResult = (trigger: TriggerAgent, runtimeId: string, result: ExecuteResult) => {
    const event: AgentExecutionResult = {
      type: 'AgentExecutionResult',
      request_id: trigger.request_id,
      workflow_id: trigger.workflow_id,
      task_id: trigger.task_id,
      attempt: trigger.attempt,
      runtime_id: runtimeId,
      outcome: result.type === 'succeeded' ? { status: 'complete', ...result.output } : { status: 'failed', error: { code: result.error.code, message: result.error.message, recoverable: result.error.recoverable } },
      at: now(),
    };
    // Results that end within one turn go out together, one message per runtime.
    const pending = outbox.get(runtimeId);
    if (pending) {
      pending.push(event);
      return;
    }
    outbox.set(runtimeId, [event]);
    setImmediate(() => {
      const results = outbox.get(runtimeId) ?? [];
      outbox.delete(runtimeId);
      try {
        bus.publish(subjects.results(runtimeId), { type: 'AgentExecutionResultBatch', results } satisfies AgentExecutionResultBatch);
      } catch (error) {
        // The bus closed while these waited (a runtime shutting down): nobody is left to tell.
        logger.warn({ err: error, runtime_id: runtimeId, results: results.length }, 'results not published');
      }
    });
  };

  const run = (handle: WorkerHandle, trigger: TriggerAgent) => {
    const fault = options.faults?.[trigger.task_id];
    if (fault && (fault.times === undefined || trigger.attempt <= fault.times)) {
      const message = `Injected ${fault.recoverable ? 'recoverable' : 'non-recoverable'} fault: ${trigger.task_id} attempt ${trigger.attempt} was failed on purpose.`;
      publishResult(trigger, handle.runtimeId, { type: 'failed', request_id: trigger.request_id, error: { name: 'SwitchyardError', code: 'INJECTED_FAULT', message, recoverable: fault.recoverable } });
      return;
    }
    const timeoutMs = trigger.timeout_ms ?? options.defaultTimeoutMs;
    let settled = false;
    let killer: NodeJS.Timeout | undefined;
    const deadline = setTimeout(() => {
      settled = true;
      handle.cancel(trigger.request_id);
      logger.warn({ runtime_id: handle.runtimeId, request_id: trigger.request_id, timeout_ms: timeoutMs }, 'attempt timed out');
      publishResult(trigger, handle.runtimeId, { type: 'failed', request_id: trigger.request_id, error: { name: 'SwitchyardError', code: 'TIMEOUT', message: `${trigger.task_id} attempt ${trigger.attempt} ran past its ${timeoutMs} ms deadline and was aborted.`, recoverable: true } });
      killer = setTimeout(() => {
        logger.error({ runtime_id: handle.runtimeId, request_id: trigger.request_id }, 'handler ignored its abort signal; killing the worker');
        void pool.terminate(handle.runtimeId);
      }, options.killGraceMs ?? 2000);
    }, timeoutMs);
    void handle.execute({ request_id: trigger.request_id, workflow_id: trigger.workflow_id, agent_id: trigger.agent_id, dispatch: trigger.dispatch }).then((result) => {
      clearTimeout(deadline);
      clearTimeout(killer);
      if (settled) return;
      settled = true;
      publishResult(trigger, handle.runtimeId, result);
    });
  };

  const register = (handle: WorkerHandle) => {
    const execute = subjects.execute(handle.runtimeId);
    const event: AgentRuntimeRegistered = {
      type: 'AgentRuntimeRegistered',
      runtime_id: handle.runtimeId,
      agents: handle.agents.map((a) => ({ agent_id: a.agent_id, capabilities: [...a.capabilities] })),
      capacity: handle.capacity,
      heartbeat_interval_ms: options.heartbeatMs,
      subjects: [execute, subjects.cancel(handle.runtimeId)],
      at: now(),
    };
    subs.set(handle.runtimeId, [
      bus.subscribe(execute, (message) => {
        const batch = (message.data as { type?: unknown } | null)?.type === 'TriggerAgentBatch';
        const parsed = batch ? parseWith(TriggerAgentBatchSchema, message.data, 'TriggerAgentBatch') : parseWith(TriggerAgentSchema, message.data, 'TriggerAgent');
        if (!parsed.ok) {
          logger.warn({ runtime_id: handle.runtimeId, code: parsed.error.code }, `malformed trigger refused: ${parsed.error.message}`);
          return;
        }
        for (const trigger of batch ? (parsed.value as TriggerAgentBatch).triggers : [parsed.value as TriggerAgent]) run(handle, trigger);
      }),
      bus.subscribe(subjects.cancel(handle.runtimeId), (message) => {
        const id = (message.data as { request_id?: unknown } | null)?.request_id;
        if (typeof id === 'string') handle.cancel(id);
      }),
    ]);
    registrations.set(handle.runtimeId, event);
    bus.publish(subjects.registered(handle.runtimeId), event);
  };

  const deregister = (runtimeId: string, reason: 'shutdown' | 'defunct') => {
    for (const s of subs.get(runtimeId) ?? []) s.unsubscribe();
    subs.delete(runtimeId);
    registrations.delete(runtimeId);
    declaredDefunct.delete(runtimeId);
    bus.publish(subjects.deregistered(runtimeId), { type: 'AgentRuntimeDeregistered', runtime_id: runtimeId, reason, at: now() });
  };

  const onRuntime = (handle: WorkerHandle) => register(handle);
  const onExit = (handle: WorkerHandle, code: number) => {
    logger.error({ runtime_id: handle.runtimeId, exit_code: code }, 'agent worker exited');
    deregister(handle.runtimeId, 'defunct');
  };
  const onHeartbeat = (handle: WorkerHandle, inFlight: number) => {
    const registration = registrations.get(handle.runtimeId);
    if (declaredDefunct.delete(handle.runtimeId) && registration) {
      logger.warn({ runtime_id: handle.runtimeId }, 'runtime declared defunct is heartbeating again; registering it anew');
      bus.publish(subjects.registered(handle.runtimeId), { ...registration, at: now() });
    }
    bus.publish(subjects.heartbeat(handle.runtimeId), { type: 'RuntimeHeartbeat', runtime_id: handle.runtimeId, in_flight: inFlight, capacity: handle.capacity, at: now() });
  };
  const onProgress = (requestId: string, update: { percent?: number; message?: string }) => {
    bus.publish(subjects.progress(requestId), { request_id: requestId, ...update, at: now() });
  };
  const watch = bus.subscribe(subjects.patterns.runtimeDefinitions(), (message) => {
    const data = message.data as { type?: unknown; runtime_id?: unknown; reason?: unknown } | null;
    if (data?.type === 'AgentRuntimeDeregistered' && data.reason === 'defunct' && typeof data.runtime_id === 'string' && subs.has(data.runtime_id)) declaredDefunct.add(data.runtime_id);
  });
  pool.on('runtime', onRuntime);
  pool.on('runtimeExit', onExit);
  pool.on('heartbeat', onHeartbeat);
  pool.on('progress', onProgress);
  for (const handle of pool.runtimes()) register(handle);

  return {
    close() {
      pool.off('runtime', onRuntime);
      pool.off('runtimeExit', onExit);
      pool.off('heartbeat', onHeartbeat);
      pool.off('progress', onProgress);
      watch.unsubscribe();
      for (const runtimeId of [...subs.keys()]) deregister(runtimeId, 'shutdown');
    },
  };
}
