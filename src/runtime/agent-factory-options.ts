import { availableParallelism } from 'node:os';
import { z } from 'zod';
import type { AgentLimits } from '../actors/running-attempts.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';

/**
 * Seed 002's `agent_factory` block, in Switchyard's terms. Every worker thread hosts one
 * instance of every agent module, so a pool of N threads is N instances of each agent type.
 */
export interface AgentFactoryOptions {
  /** Seed 002's `default_pool_size`: worker threads, each hosting one instance of every agent. Same as `pool.maxThreads`. */
  readonly defaultPoolSize?: number;
  /**
   * Seed 002's `max_total_agents`: the most attempts the local threads run at once
   * (`pool.maxThreads` × `pool.concurrentTasksPerWorker`). Without `concurrentTasksPerWorker`,
   * it is set to `floor(maxTotalAgents / threads)`.
   */
  readonly maxTotalAgents?: number;
}

export const AgentFactoryOptionsSchema = z.strictObject({
  defaultPoolSize: z.number().int().min(1).max(256).optional(),
  maxTotalAgents: z.number().int().min(1).optional(),
});

/** `agentLimits`: an agent name (the routing target) to the most attempts of it placed at once, across every run. */
export const AgentLimitsSchema = z.record(
  z.string().regex(/^[^.*>\s]+$/u, 'an agent name may not contain `.`, `*`, `>` or whitespace'),
  z.number().int().min(1),
);

interface PoolSizes {
  readonly maxThreads?: number;
  readonly concurrentTasksPerWorker?: number;
}

const refuse = (message: string, fields: string[]) =>
  new SwitchyardError(ErrorCodes.INVALID_INPUT, message, { fields });

/**
 * The pool sizes `agentFactory` means, merged with `pool`'s: `INVALID_INPUT` naming the fields
 * when they contradict each other (a pool size other than `pool.maxThreads`, more threads or
 * threads × attempts per thread than `maxTotalAgents`, an agent limit above it).
 */
export function poolSizesOf(
  pool: PoolSizes | undefined,
  factory: AgentFactoryOptions | undefined,
  limits: AgentLimits | undefined,
): PoolSizes {
  const { defaultPoolSize: size, maxTotalAgents: total } = factory ?? {};
  const threadsGiven = pool?.maxThreads;
  if (size !== undefined && threadsGiven !== undefined && size !== threadsGiven)
    throw refuse(
      `agentFactory.defaultPoolSize (${size}) and pool.maxThreads (${threadsGiven}) disagree: they are the same setting, give one.`,
      ['agentFactory.defaultPoolSize', 'pool.maxThreads'],
    );
  const threads = threadsGiven ?? size;
  if (total === undefined) return { ...pool, ...(threads === undefined ? {} : { maxThreads: threads }) };
  for (const [agent, limit] of Object.entries(limits ?? {}))
    if (limit > total)
      throw refuse(
        `agentLimits.${agent} (${limit}) is more than agentFactory.maxTotalAgents (${total}): no more than ${total} attempts run at once anyway.`,
        [`agentLimits.${agent}`, 'agentFactory.maxTotalAgents'],
      );
  if (threads === 0)
    throw refuse(
      `agentFactory.maxTotalAgents sizes the local worker threads, and pool.maxThreads is 0 (no local threads): drop one of them.`,
      ['agentFactory.maxTotalAgents', 'pool.maxThreads'],
    );
  const n = threads ?? Math.min(2, availableParallelism());
  if (n > total)
    throw refuse(
      `${threads === undefined ? 'The default pool' : threadsGiven === undefined ? 'agentFactory.defaultPoolSize' : 'pool.maxThreads'} (${n} threads) is more than agentFactory.maxTotalAgents (${total}): each thread runs at least one attempt.`,
      [threadsGiven === undefined ? 'agentFactory.defaultPoolSize' : 'pool.maxThreads', 'agentFactory.maxTotalAgents'],
    );
  const perWorker = pool?.concurrentTasksPerWorker;
  if (perWorker !== undefined && n * perWorker > total)
    throw refuse(
      `${n} threads × pool.concurrentTasksPerWorker (${perWorker}) = ${n * perWorker} attempts at once, more than agentFactory.maxTotalAgents (${total}).`,
      ['pool.concurrentTasksPerWorker', 'agentFactory.maxTotalAgents'],
    );
  return { ...pool, maxThreads: n, concurrentTasksPerWorker: perWorker ?? Math.floor(total / n) };
}
