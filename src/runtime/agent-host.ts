import type { Logger } from 'pino';
import type { Bus } from '../bus/bus.js';
import type { Scheduler } from '../core/scheduler.js';
import { AgentPool } from '../pool/agent-pool.js';
import type { AgentModule } from '../pool/agent-factory.js';
import { type BusRuntimes, type BusRuntimesOptions, connectPool } from '../pool/bus-runtimes.js';
import type { Faults } from '../pool/with-faults.js';
import type { StorageDescriptor } from '../storage/artifact-storage.js';
import type { Subjects } from '../protocol/subjects.js';

/** Options of {@link startAgentHost}. */
export interface AgentHostOptions {
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly logger: Logger;
  readonly clock: () => number;
  /** Time and timers of the host's side (the workers keep their thread's own). @default systemScheduler */
  readonly scheduler?: Scheduler;
  /** Handler modules (paths or file URLs), or `{ module, options }` for a factory module. */
  readonly agents: ReadonlyArray<AgentModule>;
  readonly maxThreads?: number;
  readonly concurrentTasksPerWorker?: number;
  /** See `AgentPoolOptions.prefetch`. */
  readonly prefetch?: number;
  readonly resourceLimits?: Record<string, number>;
  readonly heartbeatMs: number;
  /** Deadline of an attempt whose trigger states none. */
  readonly taskTimeoutMs: number;
  readonly killGraceMs: number;
  /** Tasks to fail on purpose (demos, drills): the workers' agents are wrapped with `withFaults`. */
  readonly faults?: Faults;
  /** Runtime ids are `<prefix>-t<slot>` (slot 1 to `maxThreads`); unique per process when runtimes of many hosts share a bus. @default 'local' */
  readonly runtimePrefix?: string;
  readonly delivery?: BusRuntimesOptions['delivery'];
  /** Where the handlers' artifacts go (see `AgentPoolOptions.artifacts`). @default `<cwd>/.switchyard/artifacts` */
  readonly artifacts?: StorageDescriptor;
}

/** Agent runtimes in worker threads, registered on a bus: what {@link startAgentHost} returns. */
export interface AgentHost {
  readonly pool: AgentPool;
  readonly runtimes: BusRuntimes;
  /**
   * Stops taking attempts, lets those running finish for up to `drainMs`, hands back the rest
   * (they run elsewhere), deregisters, and stops the threads.
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

/**
 * Starts worker threads hosting the handler modules and puts their runtimes on the bus —
 * the same code whether they sit beside the dispatcher (`createRuntime`) or in a process of
 * their own on another machine (`switchyard runtime --nats …`).
 */
export async function startAgentHost(o: AgentHostOptions): Promise<AgentHost> {
  const pool = await AgentPool.start({
    modules: o.agents,
    maxThreads: o.maxThreads,
    concurrentTasksPerWorker: o.concurrentTasksPerWorker,
    ...(o.prefetch === undefined ? {} : { prefetch: o.prefetch }),
    resourceLimits: o.resourceLimits,
    heartbeatMs: o.heartbeatMs,
    clock: o.clock,
    ...(o.scheduler ? { scheduler: o.scheduler } : {}),
    ...(o.faults ? { faults: o.faults } : {}),
    ...(o.runtimePrefix === undefined ? {} : { runtimePrefix: o.runtimePrefix }),
    ...(o.artifacts ? { artifacts: o.artifacts } : {}),
    logger: o.logger,
  });
  const runtimes = connectPool(pool, {
    bus: o.bus,
    subjects: o.subjects,
    logger: o.logger,
    clock: o.clock,
    defaultTimeoutMs: o.taskTimeoutMs,
    killGraceMs: o.killGraceMs,
    heartbeatMs: o.heartbeatMs,
    ...(o.scheduler ? { scheduler: o.scheduler } : {}),
    ...(o.delivery ? { delivery: o.delivery } : {}),
  });
  return {
    pool,
    runtimes,
    async close(options = {}) {
      await runtimes.close(options);
      await o.bus.flush();
      await pool.close();
    },
  };
}
