import { pino } from 'pino';
import { Dispatcher, type DispatcherOptions } from '../../src/actors/dispatcher.js';
import { type Scheduler, SimulatedScheduler } from '../../src/core/scheduler.js';
import {
  type AgentExecutionResult,
  type AgentRuntimeRegistered,
  type Bus,
  type BusMessage,
  type Dispatch,
  InProcessBus,
  subjects,
  type TriggerAgent,
} from '../../src/index.js';

/** The `at` of every message these helpers build. */
export const AT = '2026-02-21T10:00:00Z';

/** A trigger of attempt 1 of `task_<id>` in run `wf`, request id `req-<id>`, asking `agent` for `capability`. */
export function trigger(id: string, capability = 'CAP-PRE-001', agent = 'execution_agent'): TriggerAgent {
  const dispatch: Dispatch = {
    task_id: `task_${id}`,
    action: 'x',
    capability_ids: [capability],
    input_refs_resolved: [],
    output_refs_expected: [],
    execution_group: 1,
    attempt: 1,
    workflow_progress: { total_tasks: 1, completed: 0, in_progress: 1, pending: 0, failed: 0 },
  };
  return {
    type: 'TriggerAgent',
    request_id: `req-${id}`,
    workflow_id: 'wf',
    agent_id: agent,
    task_id: `task_${id}`,
    attempt: 1,
    dispatch,
    at: AT,
  };
}

/** What a {@link registration} may say besides its runtime id and capacity. */
export interface RegistrationOptions {
  /** Capabilities of its one agent, `execution_agent`. @default ['CAP-PRE-*'] */
  readonly capabilities?: string[];
  /** Absent unless given: all of `capacity` runs at once. */
  readonly concurrency?: number;
  /** @default 100 */
  readonly heartbeatMs?: number;
  /** Absent unless given: a fresh runtime. */
  readonly inFlight?: string[];
  /** Whose execute subject it names. @default subjects() */
  readonly subjects?: ReturnType<typeof subjects>;
}

/** A runtime's `AgentRuntimeRegistered`, taking triggers on its execute subject. */
export function registration(id: string, capacity: number, options: RegistrationOptions = {}): AgentRuntimeRegistered {
  const s = options.subjects ?? subjects();
  return {
    type: 'AgentRuntimeRegistered',
    runtime_id: id,
    agents: [{ agent_id: 'execution_agent', capabilities: options.capabilities ?? ['CAP-PRE-*'] }],
    capacity,
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    heartbeat_interval_ms: options.heartbeatMs ?? 100,
    subjects: [s.execute(id)],
    ...(options.inFlight === undefined ? {} : { in_flight: options.inFlight }),
    at: AT,
  };
}

/** The result of attempt 1 of `requestId` (a {@link trigger}'s), complete, as runtime `runtimeId` reports it. */
export function completed(requestId: string, runtimeId: string): AgentExecutionResult {
  return {
    type: 'AgentExecutionResult',
    request_id: requestId,
    workflow_id: 'wf',
    task_id: `task_${requestId.slice('req-'.length)}`,
    attempt: 1,
    runtime_id: runtimeId,
    outcome: { status: 'complete' },
    at: AT,
  };
}

/** Options of a {@link testDispatcher} besides its bus and scheduler. */
export type DispatcherOverrides = Partial<Omit<DispatcherOptions, 'bus' | 'scheduler'>>;

/**
 * A dispatcher on `bus` keeping time on `scheduler`: default subjects, a silent logger and a
 * sweep every 60 s (so no sweep runs unless a test asks), unless `overrides` say otherwise.
 */
export function testDispatcher(bus: Bus, scheduler: Scheduler, overrides: DispatcherOverrides = {}): Dispatcher {
  return new Dispatcher({
    subjects: subjects(),
    logger: pino({ level: 'silent' }),
    sweepMs: 60_000,
    ...overrides,
    bus,
    scheduler,
  });
}

/** Where a reply to a trigger placed it: a runtime, or `null` while it waits for one. */
export interface Placement {
  readonly runtime_id: string | null;
  /** How many rounds a held attempt waits behind those its runtime runs. */
  readonly rounds_ahead?: number;
}

/** A {@link testDispatcher} on its own in-process bus and simulated time, with fake runtimes beside it. */
export interface DispatcherRig {
  readonly time: SimulatedScheduler;
  readonly bus: InProcessBus;
  /** The dispatcher under test; {@link restart} replaces it. */
  readonly dispatcher: Dispatcher;
  /** Request ids each fake runtime was handed, in order. */
  readonly received: Map<string, string[]>;
  /** The request ids each fake runtime was asked to give back (`ReclaimAttempts`), one list per ask. */
  readonly reclaims: Map<string, string[][]>;
  /** Registers a fake runtime that records what it is handed and asked back (see {@link registration}). */
  runtime(id: string, capacity: number, options?: Omit<RegistrationOptions, 'subjects'>): void;
  /**
   * Reports `requestId` complete, as its runtime does: on that runtime's results subject. The
   * runtime is the fake one that was handed it, else `rt-a`.
   */
  done(requestId: string, runtimeId?: string): void;
  /** Sends a trigger per id to `execution_agent`, one after another, then lets the bus settle; the replies. */
  send(...ids: string[]): Promise<Placement[]>;
  /** Closes the dispatcher and builds another on the same bus and time, with `overrides`. */
  restart(overrides?: DispatcherOverrides): void;
  /** Closes the dispatcher, then the bus. */
  close(): Promise<void>;
}

/**
 * A dispatcher under test with default subjects on a fresh in-process bus, simulated time from
 * 0, and the {@link testDispatcher} defaults unless `overrides` say otherwise.
 */
export function dispatcherRig(overrides: DispatcherOverrides = {}): DispatcherRig {
  const s = subjects();
  const time = new SimulatedScheduler(0);
  const bus = new InProcessBus({ scheduler: time });
  const received = new Map<string, string[]>();
  const reclaims = new Map<string, string[][]>();
  const rig = {
    time,
    bus,
    dispatcher: testDispatcher(bus, time, overrides),
    received,
    reclaims,
    runtime(id: string, capacity: number, options: Omit<RegistrationOptions, 'subjects'> = {}) {
      received.set(id, []);
      reclaims.set(id, []);
      bus.subscribe(
        s.execute(id),
        (m: BusMessage) =>
          void received.get(id)!.push(...(m.data as { triggers: TriggerAgent[] }).triggers.map((t) => t.request_id)),
      );
      bus.subscribe(
        s.reclaim(id),
        (m: BusMessage) => void reclaims.get(id)!.push((m.data as { request_ids: string[] }).request_ids),
      );
      bus.publish(s.registered(id), registration(id, capacity, options));
    },
    done(requestId: string, runtimeId = [...received].find(([, ids]) => ids.includes(requestId))?.[0] ?? 'rt-a') {
      bus.publish(s.results(runtimeId), {
        type: 'AgentExecutionResultBatch',
        results: [completed(requestId, runtimeId)],
      });
    },
    async send(...ids: string[]) {
      const replies: Placement[] = [];
      for (const id of ids)
        replies.push(
          (await bus.request(s.trigger('wf', 'execution_agent'), trigger(id), { timeoutMs: 1000 })).data as Placement,
        );
      await bus.flush();
      return replies;
    },
    restart(again: DispatcherOverrides = {}) {
      rig.dispatcher.close();
      rig.dispatcher = testDispatcher(bus, time, again);
    },
    async close() {
      rig.dispatcher.close();
      await bus.close();
    },
  };
  return rig;
}
