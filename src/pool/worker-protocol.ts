import type { MessagePort } from 'node:worker_threads';
import { z } from 'zod';
import { DispatchSchema } from '../protocol/dispatch-output.js';
import { ProducedRefSchema } from '../protocol/refs.js';
import { TokenUsageSchema } from '../protocol/token-usage.js';
import { StorageDescriptorSchema } from '../storage/artifact-storage.js';
import { FaultsSchema } from './with-faults.js';

/** What the host gives every worker thread (Piscina's `workerData`). */
export const WorkerDataSchema = z.strictObject({
  /** Handler modules to load, as file URLs or paths; with options for a module that exports a factory. */
  modules: z
    .array(
      z.union([
        z.string().min(1),
        // Options were checked as JSON where the pool was created.
        z.strictObject({ module: z.string().min(1), options: z.record(z.string(), z.unknown()).optional() }),
      ]),
    )
    .min(1),
  /** Runtime ids are `<prefix>-t<slot>` (worker-slots.ts). */
  runtimePrefix: z.string().regex(/^[^.*>\s]+$/u),
  /** The pool's slot table, shared by its workers (worker-slots.ts). */
  slots: z.instanceof(SharedArrayBuffer),
  /** Attempts one worker runs at once. */
  capacity: z.number().int().positive(),
  /** Attempts one worker holds beyond those it runs, started in turn as those end. */
  prefetch: z.number().int().nonnegative(),
  heartbeatMs: z.number().int().positive(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /** Tasks to fail on purpose: the worker's agents are wrapped with `withFaults` when given. */
  faults: FaultsSchema.optional(),
  /** The artifact storage `ctx.read` and `ctx.write` go through, as plain data (a storage object cannot cross threads). */
  artifacts: StorageDescriptorSchema,
});
export type WorkerData = z.infer<typeof WorkerDataSchema>;

/** One attempt for a worker to run. */
export const ExecuteRequestSchema = z.strictObject({
  request_id: z.string().min(1),
  workflow_id: z.string().min(1),
  agent_id: z.string().min(1),
  dispatch: DispatchSchema,
});
export type ExecuteRequest = z.infer<typeof ExecuteRequestSchema>;

/** What a handler may return; checked in the worker before it crosses back. */
export const AgentOutputSchema = z.strictObject({
  output_refs_produced: z.array(ProducedRefSchema).optional(),
  summary: z.string().optional(),
  usage: TokenUsageSchema.optional(),
});

/** A handler's output once checked. */
export type AgentOutput = z.infer<typeof AgentOutputSchema>;

/** An error as it crosses the thread boundary. */
export interface WireError {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly recoverable: boolean;
  readonly stack?: string;
}

/** The outcome of one attempt: never a thrown error across the boundary. */
export type ExecuteResult =
  | { readonly type: 'succeeded'; readonly request_id: string; readonly output: AgentOutput }
  | { readonly type: 'failed'; readonly request_id: string; readonly error: WireError };

/**
 * What the worker exposes to the host over its comlink control channel. Attempts themselves,
 * and everything that names one (cancel, reclaim), travel on the data channel
 * ({@link HostToWorker} / {@link WorkerToHost}).
 */
export interface WorkerApi {
  /** Aborts everything and waits for the handlers to settle. */
  shutdown(): Promise<void>;
}

/**
 * Host → worker on the data channel, in the order the host sent them:
 * - `execute`: attempts to start, each under a number the host gave it, as slots of one flat
 *   array (attempt-wire.ts). Every attempt the host sends within one turn of its event loop
 *   goes in one message (micro-batching).
 * - `cancel`: abort an attempt's signal (one held is dropped unstarted); its result still
 *   comes back (usually as a failure).
 * - `reclaim`: give back those of `request_ids` held and not started: each comes back as
 *   reclaimed (never run), in order with the outcomes. Started ones run on.
 *
 * One channel for all three, so a cancel or a reclaim always reaches the worker after the
 * attempts it names: two message ports are not ordered with each other.
 */
export type HostToWorker =
  | { readonly type: 'execute'; readonly batch: readonly unknown[] }
  | { readonly type: 'cancel'; readonly request_id: string }
  | { readonly type: 'reclaim'; readonly request_ids: readonly string[] };

/**
 * Worker → host: an agent in the worker started process `pid` (a group leader when `group`),
 * which the host kills if the thread dies while it is still registered (child-processes.ts).
 */
export const ChildStartedSchema = z.strictObject({
  type: z.literal('child'),
  pid: z.number().int().positive(),
  group: z.boolean(),
  /** What the process is, for the host's log (`MCP server fs`). */
  label: z.string().max(200).optional(),
});

/** Worker → host: process `pid` ended (or the worker no longer owns it); the host forgets it. */
export const ChildEndedSchema = z.strictObject({ type: z.literal('child-ended'), pid: z.number().int().positive() });

/** The two messages about an agent's child processes, as the host reads them. */
export const ChildMessageSchema = z.discriminatedUnion('type', [ChildStartedSchema, ChildEndedSchema]);
export type ChildMessage = z.infer<typeof ChildMessageSchema>;

/**
 * Worker → host on the data channel: the outcomes of attempts that finished within one turn
 * (by the host's numbers, as slots of one flat array), progress reports (ordered before their
 * attempt's outcome), heartbeats, and the child processes agents start and see end
 * ({@link ChildMessage}, read through its schema).
 */
export type WorkerToHost =
  | { readonly type: 'results'; readonly batch: readonly unknown[] }
  | { readonly type: 'progress'; readonly request_id: string; readonly update: { percent?: number; message?: string } }
  | { readonly type: 'heartbeat'; readonly in_flight: number }
  | ChildMessage;

/** The first message a worker posts on Piscina's parent port: its registration, control port and data port. */
export type WorkerHello =
  | {
      readonly type: 'switchyard:runtime';
      readonly runtime_id: string;
      readonly thread_id: number;
      readonly agents: ReadonlyArray<{ agent_id: string; capabilities: string[] }>;
      /** Attempts it takes at once: those it runs at once (`concurrency`) and those it holds. */
      readonly capacity: number;
      readonly concurrency: number;
      readonly port: MessagePort;
      readonly data: MessagePort;
    }
  | { readonly type: 'switchyard:failed'; readonly thread_id: number; readonly error: WireError };

/** Whether a message from a worker is one of ours. */
export function isWorkerHello(message: unknown): message is WorkerHello {
  const type = (message as { type?: unknown } | null)?.type;
  return type === 'switchyard:runtime' || type === 'switchyard:failed';
}
