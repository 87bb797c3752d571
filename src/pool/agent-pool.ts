import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ResourceLimits } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { type Logger, pino } from 'pino';
import { z } from 'zod';
import { type Scheduler, systemScheduler } from '../core/scheduler.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { parseWith } from '../protocol/parse.js';
import { type AgentModule, AgentModuleSchema } from './agent-factory.js';
import { WorkerHandle } from './worker-handle.js';
import { isWorkerHello, type WorkerData } from './worker-protocol.js';
import { releaseSlot, workerSlots } from './worker-slots.js';
import { type StorageDescriptor, StorageDescriptorSchema } from '../storage/artifact-storage.js';
import { defaultArtifactsRoot } from '../storage/file-storage.js';
import { type Faults, FaultsSchema } from './with-faults.js';

/** Options of an {@link AgentPool}. */
export interface AgentPoolOptions {
  /**
   * Handler modules (paths or file URLs), each exporting `defineAgent(...)` or a list of them;
   * or `{ module, options }` for a module exporting `defineAgentFactory(...)`.
   */
  modules: ReadonlyArray<AgentModule>;
  /** Worker threads, one agent runtime each. @default min(2, available cores) */
  maxThreads?: number;
  /** Attempts one worker runs at once. @default 1 */
  concurrentTasksPerWorker?: number;
  /**
   * Attempts one worker holds beyond those it runs, started in turn the moment one ends —
   * without waiting for the host to send the next. The worker registers both together as its
   * capacity (and the part it runs as its concurrency). It makes short attempts go far faster
   * (the worker is not idle while the host turns a result into the next attempt). An attempt
   * held behind a slow one while another worker has a slot free is taken back and moved there
   * by the dispatcher (work stealing, after `stealAfterMs`); a held attempt's deadline starts
   * when it starts. 0 turns holding off. @default the larger of 4 and `concurrentTasksPerWorker`
   * ({@link defaultPrefetch})
   */
  prefetch?: number;
  /** How often workers heartbeat. @default 1000 */
  heartbeatMs?: number;
  /** Memory limits per worker; a worker exceeding them dies and is replaced. */
  resourceLimits?: ResourceLimits;
  /** pino level inside workers. @default 'warn' */
  logLevel?: WorkerData['logLevel'];
  /**
   * Runtime ids are `<prefix>-t<slot>`, the slot from 1 to `maxThreads`; a worker replacing
   * one that died takes its slot, and its id, again. @default 'local'
   */
  runtimePrefix?: string;
  /** How long start waits for every worker to register. @default 30000 */
  startTimeoutMs?: number;
  /**
   * Time and timers on the host's side: the start timeout, the shutdown grace, when a worker was
   * last seen. The workers' own heartbeats run on their thread's timers (a scheduler cannot
   * cross to a thread). @default systemScheduler
   */
  scheduler?: Scheduler;
  /**
   * Epoch milliseconds now, for {@link WorkerHandle.lastSeen}.
   * @deprecated Pass `scheduler`; this, when given, is read instead of its `now`.
   * @default scheduler.now
   */
  clock?: () => number;
  /**
   * Tasks to fail on purpose (demos, drills), by id: the workers' agents are wrapped with
   * `withFaults`, so those attempts fail with `INJECTED_FAULT` without running their handler.
   */
  faults?: Faults;
  /**
   * The artifact storage handlers read and write through (`ctx.read`, `ctx.write`), as plain
   * data: `fileStorage(...).descriptor`. @default `{ kind: 'file', root: '<cwd>/.switchyard/artifacts' }`
   */
  artifacts?: StorageDescriptor;
  /**
   * The host's logger: it says which child processes of a dead worker's agents it killed.
   * @default a pino logger at `warn` on stderr
   */
  logger?: Logger;
}

const OptionsSchema = z.strictObject({
  modules: z.array(AgentModuleSchema).min(1),
  maxThreads: z.number().int().min(1).max(256).optional(),
  concurrentTasksPerWorker: z.number().int().min(1).max(10_000).optional(),
  prefetch: z.number().int().min(0).max(10_000).optional(),
  heartbeatMs: z.number().int().min(10).optional(),
  resourceLimits: z.record(z.string(), z.number()).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  runtimePrefix: z
    .string()
    .regex(/^[^.*>\s]+$/u, 'no `.`, `*`, `>` or whitespace')
    .optional(),
  startTimeoutMs: z.number().int().positive().optional(),
  scheduler: z.custom<Scheduler>((v) => typeof v === 'object' && v !== null).optional(),
  clock: z.custom<() => number>((v) => typeof v === 'function').optional(),
  faults: FaultsSchema.optional(),
  artifacts: StorageDescriptorSchema.optional(),
  logger: z
    .custom<Logger>((v) => typeof (v as { warn?: unknown } | null)?.warn === 'function', 'expected a pino logger')
    .optional(),
});

/**
 * Attempts a worker that runs `concurrency` at once holds beyond them unless told otherwise:
 * as many again, and at least 4 — enough for short attempts to start back to back while the
 * host turns results into the next triggers.
 */
export function defaultPrefetch(concurrency: number): number {
  return Math.max(4, concurrency);
}

/** Events of an {@link AgentPool}. */
export interface AgentPoolEvents {
  /** A worker's runtime registered (at start, and each replacement after a crash). */
  runtime: [handle: WorkerHandle];
  /** A worker thread ended; its pending attempts have been failed as recoverable. */
  runtimeExit: [handle: WorkerHandle, code: number];
  heartbeat: [handle: WorkerHandle, inFlight: number];
  progress: [requestId: string, update: { percent?: number; message?: string }];
}

/**
 * The worker entry next to this module: `.js` from dist; from the TypeScript sources, `.ts`
 * with tsx registered in the worker (register-tsx.mjs).
 */
function workerEntry(): { filename: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);
  return {
    filename: fileURLToPath(url),
    execArgv: fromSource ? ['--import', new URL('./register-tsx.mjs', import.meta.url).href] : [],
  };
}

function moduleUrl(spec: string | URL): string {
  if (spec instanceof URL) return spec.href;
  return spec.startsWith('file:') ? spec : pathToFileURL(spec).href;
}

/** A module entry as a worker takes it: the URL, and the options when there are any. */
function workerModule(entry: AgentModule): WorkerData['modules'][number] {
  if (typeof entry === 'string' || entry instanceof URL) return moduleUrl(entry);
  return { module: moduleUrl(entry.module), ...(entry.options ? { options: entry.options } : {}) };
}

/**
 * Piscina worker threads, each hosting an agent runtime built from the handler modules. Each
 * worker registers by handing the host its comlink control channel and its data channel
 * (emitting `runtime`); when a thread
 * dies (a crash, `process.exit`, out of memory) its pending attempts fail as recoverable,
 * Piscina starts a replacement, and the replacement registers in turn.
 *
 * @example
 * const pool = await AgentPool.start({ modules: ['./agents.js'], maxThreads: 2 });
 * const [runtime] = pool.runtimes();
 * const result = await runtime.execute({ request_id: 'r1', workflow_id: 'w1', agent_id: 'execution_agent', dispatch });
 * await pool.close();
 */
export class AgentPool extends EventEmitter<AgentPoolEvents> {
  readonly #piscina: Piscina;
  readonly #handles = new Map<string, WorkerHandle>();
  readonly #scheduler: Scheduler;
  readonly #clock: () => number;
  readonly #slots: SharedArrayBuffer;
  readonly #logger: Logger;
  #closing = false;

  private constructor(
    piscina: Piscina,
    scheduler: Scheduler,
    clock: () => number,
    slots: SharedArrayBuffer,
    logger: Logger,
  ) {
    super();
    this.#piscina = piscina;
    this.#scheduler = scheduler;
    this.#clock = clock;
    this.#slots = slots;
    this.#logger = logger;
  }

  /** Starts the workers and resolves once each has registered; a handler module that fails to load rejects with `INVALID_INPUT`. */
  static async start(options: AgentPoolOptions): Promise<AgentPool> {
    const parsed = parseWith(OptionsSchema, options, 'agent pool options');
    if (!parsed.ok) throw parsed.error;
    const o = parsed.value;
    const threads = o.maxThreads ?? Math.min(2, availableParallelism());
    const data: WorkerData = {
      modules: o.modules.map(workerModule),
      runtimePrefix: o.runtimePrefix ?? 'local',
      slots: workerSlots(threads),
      capacity: o.concurrentTasksPerWorker ?? 1,
      prefetch: o.prefetch ?? defaultPrefetch(o.concurrentTasksPerWorker ?? 1),
      heartbeatMs: o.heartbeatMs ?? 1000,
      logLevel: o.logLevel ?? 'warn',
      ...(o.faults && Object.keys(o.faults).length > 0 ? { faults: o.faults } : {}),
      artifacts: o.artifacts ?? { kind: 'file', root: defaultArtifactsRoot(process.cwd()) },
    };
    const entry = workerEntry();
    const piscina = new Piscina({
      filename: entry.filename,
      execArgv: entry.execArgv,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.MAX_SAFE_INTEGER,
      // Piscina's default parks idle workers in Atomics.wait, which would also stop their
      // event loop — and with it the control channel attempts arrive on.
      atomics: 'disabled',
      workerData: data,
      ...(options.resourceLimits ? { resourceLimits: options.resourceLimits } : {}),
    });
    const scheduler = o.scheduler ?? systemScheduler;
    const logger = o.logger ?? pino({ level: 'warn' }, pino.destination(2));
    const pool = new AgentPool(piscina, scheduler, o.clock ?? (() => scheduler.now()), data.slots, logger);
    try {
      await pool.#awaitRegistrations(threads, o.startTimeoutMs ?? 30_000);
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  /** The live runtimes, one per worker thread. */
  runtimes(): WorkerHandle[] {
    return [...this.#handles.values()].filter((h) => !h.exited);
  }

  /** Kills a worker thread (e.g. one whose handler hangs); Piscina replaces it. */
  async terminate(runtimeId: string): Promise<void> {
    const handle = this.#handles.get(runtimeId);
    const thread = handle && this.#piscina.threads.find((t) => t.threadId === handle.threadId);
    await thread?.terminate();
  }

  /** Graceful stop: every runtime aborts and settles its attempts (within `graceMs`), then the threads end. */
  async close(graceMs = 5000): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    await Promise.all(this.runtimes().map((h) => h.shutdown(graceMs)));
    for (const h of this.#handles.values()) h.markExited(0);
    await this.#piscina.destroy();
  }

  /**
   * Ends the child processes a thread's agents started and never saw end: with the thread
   * gone, no code of theirs will (a stdio server, a test run would live on until this process
   * exits). Also after a graceful close, for an agent whose `close()` did not end them in time.
   */
  #killChildren(handle: WorkerHandle, code: number): void {
    if (handle.children.size === 0) return;
    const killed = handle.children.killAll();
    if (killed.length === 0) return;
    this.#logger.warn(
      { runtime_id: handle.runtimeId, thread_id: handle.threadId, exit_code: code, children: killed },
      `killed ${killed.length} child process(es) left by the agents of ${handle.runtimeId}, whose worker thread exited`,
    );
  }

  #awaitRegistrations(count: number, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = this.#scheduler.setTimeout(
        () =>
          finish(
            new SwitchyardError(
              ErrorCodes.PROCESSING_ERROR,
              `Only ${this.#handles.size} of ${count} agent workers registered within ${timeoutMs} ms.`,
              { registered: this.#handles.size },
            ),
          ),
        timeoutMs,
      );
      const finish = (error?: SwitchyardError) => {
        this.#scheduler.clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      this.#piscina.on('error', (error: Error) => {
        if (this.#handles.size < count)
          finish(
            new SwitchyardError(
              ErrorCodes.PROCESSING_ERROR,
              `An agent worker failed to start: ${error.message}`,
              {},
              { cause: error },
            ),
          );
      });
      this.#piscina.on('message', (message: unknown) => {
        if (!isWorkerHello(message)) return;
        if (message.type === 'switchyard:failed') {
          finish(
            new SwitchyardError(
              ErrorCodes.INVALID_INPUT,
              `An agent worker could not load its handlers: ${message.error.message}`,
              { code: message.error.code },
            ),
          );
          return;
        }
        const handle = new WorkerHandle(
          message,
          {
            now: this.#clock,
            heartbeat: (h, inFlight) => this.emit('heartbeat', h, inFlight),
            progress: (requestId, update) => this.emit('progress', requestId, update),
          },
          this.#scheduler,
        );
        this.#handles.set(handle.runtimeId, handle);
        const thread = this.#piscina.threads.find((t) => t.threadId === handle.threadId);
        thread?.once('exit', (code) => {
          handle.markExited(code);
          this.#killChildren(handle, code);
          releaseSlot(this.#slots, handle.threadId);
          // Only its own entry: a replacement takes the same id.
          if (this.#handles.get(handle.runtimeId) === handle) this.#handles.delete(handle.runtimeId);
          if (!this.#closing) this.emit('runtimeExit', handle, code);
        });
        this.emit('runtime', handle);
        if (this.#handles.size >= count) finish();
      });
    });
  }
}
