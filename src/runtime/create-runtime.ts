import { type Logger, pino } from 'pino';
import type { InspectionEvent } from 'xstate';
import { z } from 'zod';
import { Dispatcher } from '../actors/dispatcher.js';
import { RunRouter } from '../actors/run-router.js';
import { StateManager } from '../actors/state-manager.js';
import type { WorkflowRun } from '../actors/workflow-run.js';
import type { Bus } from '../bus/bus.js';
import { InProcessBus } from '../bus/in-process-bus.js';
import { type ResolvedOptions, resolveOptions } from '../core/options.js';
import { type Scheduler, systemScheduler } from '../core/scheduler.js';
import type { AgentPool } from '../pool/agent-pool.js';
import { type AgentModule, AgentModuleSchema } from '../pool/agent-factory.js';
import { FaultsSchema } from '../pool/with-faults.js';
import { parseWith } from '../protocol/parse.js';
import { type Subjects, subjects as subjectBuilders } from '../protocol/subjects.js';
import { MAX_TIMER_MS } from '../protocol/numbers.js';
import { type RouteRule, RouteRuleSchema } from '../protocol/routes.js';
import type { AgentLimits } from '../actors/running-attempts.js';
import { type AgentHost, startAgentHost } from './agent-host.js';
import {
  type AgentFactoryOptions,
  AgentFactoryOptionsSchema,
  AgentLimitsSchema,
  poolSizesOf,
} from './agent-factory-options.js';
import { RunLauncher, type RunLauncherParts } from './run-launcher.js';
import {
  MaxExecutionTimeSchema,
  resolveRetryBackoff,
  type RetryBackoffOptions,
  RetryBackoffSchema,
} from './retry-backoff.js';
import { waitForRuntimes } from './wait-for-runtimes.js';
import type { StateStore } from '../store/state-store.js';
import { type ArtifactStorage, isArtifactStorage, type StorageDescriptor } from '../storage/artifact-storage.js';
import { workerStorage } from '../storage/file-storage.js';

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  /**
   * Handler modules (paths or file URLs) hosted in the worker threads (none with
   * `pool.maxThreads: 0`); `{ module, options }` for a module exporting `defineAgentFactory`.
   */
  agents: ReadonlyArray<AgentModule>;
  pool?: {
    /** Worker threads, one agent runtime each; 0 for none (runtimes in other processes only). @default min(2, cores) */
    maxThreads?: number;
    /** Attempts one worker runs at once. @default 1 */
    concurrentTasksPerWorker?: number;
    /**
     * Attempts one worker holds beyond those it runs, each started the moment a running one
     * ends, without a round trip to the dispatcher: short attempts go back to back. One held
     * behind a slow attempt while another worker has a slot free is moved there (work
     * stealing). 0 turns holding off. @default the larger of 4 and `concurrentTasksPerWorker`
     */
    prefetch?: number;
    resourceLimits?: Record<string, number>;
  };
  /** Attempts out at once per run. @default 64 */
  maxConcurrentTasks?: number;
  /** Deadline of one attempt; past it the handler is aborted and the attempt fails recoverably. @default 300000 */
  taskTimeoutMs?: number;
  /** seed 003's group barrier (`strict`) or release as soon as ready (`dependency`). @default 'strict' */
  policy?: 'strict' | 'dependency';
  /** Attempts per task. @default 3 */
  maxAttempts?: number;
  /** How often workers heartbeat; three missed beats make a runtime defunct. @default 1000 */
  heartbeatMs?: number;
  /** @default a pino logger at `warn` on stderr */
  logger?: Logger;
  /** @default a new in-process bus */
  bus?: Bus;
  /** @default 'switchyard' */
  subjectPrefix?: string;
  /** Epoch milliseconds now. @deprecated Pass a {@link Scheduler}: `clock` alone sets only its `now`. */
  clock?: () => number;
  /** Time and timers (default: Node's); tests pass a SimulatedScheduler. */
  scheduler?: Scheduler;
  /**
   * Tasks to fail on purpose, by id, without running their handler (`INJECTED_FAULT`): to watch
   * retries and skipping, as `switchyard run --fail task_5:recoverable` does.
   */
  faults?: Record<string, { recoverable: boolean; times?: number }>;
  /**
   * An XState inspection observer (e.g. `createWebSocketInspector().inspect` from
   * `@statelyai/inspect`): each run's tasks then live as spawned `taskMachine` actors under a
   * supervisor actor, so the inspector shows every lifecycle. Slower; for watching.
   */
  inspect?: (event: InspectionEvent) => void;
  /**
   * Where runs are recorded, step by step, so they can be resumed after a crash: a
   * `MemoryStore`, or `SqliteStore.open(file)` from `switchyard/sqlite`. Without one, runs
   * are not recorded.
   */
  store?: StateStore;
  /** With a store: a checkpoint at least every this many events (and never more often than once per plan's worth of events). @default 1000 */
  checkpointEvery?: number;
  /** With a store: how long the lease on a run lasts unless renewed. @default 30000 */
  leaseTtlMs?: number;
  /** Runtime ids of the local workers are `<prefix>-t<slot>`, the slot from 1 to `pool.maxThreads`. @default 'local' */
  runtimePrefix?: string;
  /**
   * Which agent takes a task: rules tried in order, the first whose prefix starts one of the
   * task's capabilities wins (any agent name, any capability namespace). Recorded with each
   * run, so a resume routes the same way. @default seed 003's table (`CAP-SYN-*` to
   * `reasoning_agent`, other `CAP-*` to `execution_agent`)
   */
  routes?: readonly RouteRule[];
  /**
   * Where handlers' artifacts go (`ctx.write`) and are read from (`ctx.read`): one directory per
   * run. It must cross into the worker threads, so a `fileStorage`; a `memoryStorage` is refused
   * (`UNSUPPORTED`) unless `pool.maxThreads` is 0. Runtimes in other processes use their own
   * (`switchyard runtime --artifacts`). @default fileStorage({ root: '<cwd>/.switchyard/artifacts' })
   */
  artifacts?: ArtifactStorage;
  /**
   * Per-agent-type concurrency limits: at most this many attempts of an agent (by name, the
   * routing target) placed at once across every run and runtime of this dispatcher; the rest
   * wait in its queue. @default no limits
   */
  agentLimits?: AgentLimits;
  /** Seed 002's `agent_factory` sizes, mapped onto `pool` (see {@link AgentFactoryOptions}). */
  agentFactory?: AgentFactoryOptions;
  /**
   * The wait between attempts of a task: exponential backoff with jitter, held by the run on
   * the scheduler and recorded, so a resume waits only what is left. `false`: retries at once.
   * @default { baseMs: 250, factor: 2, maxMs: 30000, jitter: 0.5 }
   */
  retryBackoff?: RetryBackoffOptions | false;
  /**
   * Every run's deadline, in ms from its start (seed 002's max_execution_time): past it, the
   * attempts out are cancelled, nothing more is sent, and the run ends `failed` with
   * `RUN_DEADLINE_EXCEEDED`. Recorded with the run; `submit(plan, { maxExecutionTimeMs })`
   * overrides it per run. @default none
   */
  maxExecutionTimeMs?: number;
}

/** Options of {@link Runtime.submit}. */
export interface SubmitOptions {
  /** @default `run-<n>`, or with a store a unique `run-<time>-<random>` */
  runId?: string;
  sessionId?: string;
  requestId?: string;
  /** With a store: how the run was started (handler modules, pool sizes), kept to resume it the same way. */
  runner?: Record<string, unknown>;
  /**
   * Refuse the plan (`CAPABILITY_NOT_AVAILABLE`, listing the tasks) when no runtime registered
   * now serves some of its tasks; `false` lets such tasks fail only when dispatched (for
   * runtimes that will register later). @default true
   */
  checkCapabilities?: boolean;
  /** This run's deadline, in ms from its start (see {@link RuntimeOptions.maxExecutionTimeMs}). @default the runtime's */
  maxExecutionTimeMs?: number;
}

/** Tasks to fail on purpose, by id (the `faults` option). */
export { FaultsSchema };

export { MAX_TIMER_MS };

const OptionsSchema = z
  .strictObject({
    agents: z.array(AgentModuleSchema),
    pool: z
      .strictObject({
        maxThreads: z.number().int().min(0).max(256).optional(),
        concurrentTasksPerWorker: z.number().int().min(1).optional(),
        prefetch: z.number().int().min(0).max(10_000).optional(),
        resourceLimits: z.record(z.string(), z.number()).optional(),
      })
      .optional(),
    maxConcurrentTasks: z.number().int().min(1).optional(),
    taskTimeoutMs: z.number().int().min(1).max(MAX_TIMER_MS).optional(),
    policy: z.enum(['strict', 'dependency']).optional(),
    maxAttempts: z.number().int().min(1).max(100).optional(),
    heartbeatMs: z.number().int().min(10).max(MAX_TIMER_MS).optional(),
    logger: z
      .custom<Logger>(
        (v) => typeof v === 'object' && v !== null && typeof (v as Logger).child === 'function',
        'expected a pino logger',
      )
      .optional(),
    bus: z
      .custom<Bus>(
        (v) => typeof v === 'object' && v !== null && typeof (v as Bus).publish === 'function',
        'expected a Bus',
      )
      .optional(),
    subjectPrefix: z.string().optional(),
    clock: z.custom<() => number>((v) => typeof v === 'function').optional(),
    scheduler: z.custom<Scheduler>((v) => typeof v === 'object' && v !== null).optional(),
    inspect: z
      .custom<(event: InspectionEvent) => void>(
        (v) => typeof v === 'function',
        'expected an inspection observer function',
      )
      .optional(),
    faults: FaultsSchema.optional(),
    store: z
      .custom<StateStore>(
        (v) => typeof v === 'object' && v !== null && typeof (v as StateStore).recordStep === 'function',
        'expected a StateStore (MemoryStore, or SqliteStore from switchyard/sqlite)',
      )
      .optional(),
    checkpointEvery: z.number().int().min(1).optional(),
    leaseTtlMs: z.number().int().min(100).max(MAX_TIMER_MS).optional(),
    runtimePrefix: z
      .string()
      .regex(/^[^.*>\s]+$/u, 'no `.`, `*`, `>` or whitespace')
      .optional(),
    routes: z.array(RouteRuleSchema).min(1).optional(),
    artifacts: z
      .custom<ArtifactStorage>(
        isArtifactStorage,
        'expected an ArtifactStorage (fileStorage({ root }) or memoryStorage())',
      )
      .optional(),
    agentLimits: AgentLimitsSchema.optional(),
    agentFactory: AgentFactoryOptionsSchema.optional(),
    retryBackoff: RetryBackoffSchema.optional(),
    maxExecutionTimeMs: MaxExecutionTimeSchema.optional(),
  })
  .refine((o) => o.pool?.maxThreads === 0 || o.agents.length > 0, {
    message:
      'give at least one handler module (or pool.maxThreads: 0 for a coordinator whose runtimes are all elsewhere)',
    path: ['agents'],
  });

/** An embedded Switchyard: agent runtimes in worker threads, a dispatcher, and a supervisor per run. */
export interface Runtime {
  /**
   * Starts a run of a plan (a planning agent message or a bare workflow). An invalid plan is
   * refused at once with the coded error (`INVALID_INPUT`, `VALIDATION_ERROR`, `PROCESSING_ERROR`).
   * Well-formed task objects are used where they are, not copied: leave them unchanged until the run ends.
   *
   * The plan is checked and compiled before `submit` returns, on the caller's event loop: that
   * takes about 5 µs per task (0.5 s for 100,000 tasks with refs, more on a loaded machine),
   * during which nothing else in the process runs. For plans of more than a few thousand
   * tasks, use {@link submitAsync}.
   */
  submit(plan: unknown, options?: SubmitOptions): WorkflowRun;
  /**
   * {@link submit} for large plans: compiles the plan in slices of about 20 ms that give the
   * event loop back in between (heartbeats, results, other runs and timers go on meanwhile),
   * then starts the run. Resolves with the started run; rejects with the coded error `submit`
   * would throw, for a bad plan or id alike. Nothing is recorded or sent before the plan is
   * built, so a refused plan leaves no trace.
   *
   * Why a second method rather than a `submit` that starts its run later: `submit`'s callers
   * rely on a bad plan being thrown synchronously and on the run existing when it returns.
   *
   * @example
   * const run = await rt.submitAsync(JSON.parse(readFileSync('plan-100k.json', 'utf8')));
   * const result = await run.result;
   */
  submitAsync(plan: unknown, options?: SubmitOptions): Promise<WorkflowRun>;
  /**
   * Continues a run recorded in the store: completed tasks are kept, attempts that were in
   * flight when the previous process stopped are dispatched again (same attempt numbers), and
   * the run goes on to its end. `RUN_NOT_FOUND`, `RUN_ENDED`, `RUN_LOCKED` (another live
   * process drives it), `UNSUPPORTED` without a store.
   */
  resume(runId: string): WorkflowRun;
  /** The state manager, when the runtime has a store. */
  readonly state: StateManager | undefined;
  /** Runs submitted and not yet ended. */
  active(): WorkflowRun[];
  readonly bus: Bus;
  /** The subjects it speaks on the bus (its `subjectPrefix`): to follow a run's steps, say. */
  readonly subjects: Subjects;
  /** Its time and timers (the `scheduler` option). */
  readonly scheduler: Scheduler;
  readonly dispatcher: Dispatcher;
  /** The local worker threads; `undefined` with `pool.maxThreads: 0` (runtimes elsewhere only). */
  readonly pool: AgentPool | undefined;
  /**
   * Resolves once at least `count` runtimes are registered (local or remote), or rejects
   * `REQUEST_TIMEOUT` after `timeoutMs` (default 30000) saying how many came.
   */
  waitForRuntimes(count: number, timeoutMs?: number): Promise<void>;
  /**
   * Stops: waits for active runs to end (or cancels them with `cancel: true`), deregisters the
   * runtimes, and stops the worker threads.
   */
  close(options?: { cancel?: boolean }): Promise<void>;
}

/** The options of a runtime checked, with their defaults: what its parts are built from. */
export interface RuntimeSettings {
  readonly options: z.infer<typeof OptionsSchema>;
  readonly dispatch: ResolvedOptions;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly scheduler: Scheduler;
  readonly subjects: Subjects;
  readonly heartbeatMs: number;
  readonly taskTimeoutMs: number;
  /** After a timeout aborts a handler, how long it may take to settle before its worker is killed. */
  readonly killGraceMs: number;
  readonly maxConcurrentTasks: number;
  readonly checkpointEvery: number;
  readonly inspect: ((event: InspectionEvent) => void) | undefined;
  /** What the local worker threads' storage is built from; undefined without local threads. */
  readonly artifacts: StorageDescriptor | undefined;
  /** The wait between attempts of a task, or `false`. */
  readonly retryBackoff: ReturnType<typeof resolveRetryBackoff>;
}

/** Checks `options` (`INVALID_INPUT` naming the field) and fills in the defaults. */
export function resolveRuntimeOptions(options: RuntimeOptions): RuntimeSettings {
  const parsed = parseWith(OptionsSchema, options, 'runtime options');
  if (!parsed.ok) throw parsed.error;
  const o = {
    ...parsed.value,
    pool: poolSizesOf(parsed.value.pool, parsed.value.agentFactory, parsed.value.agentLimits),
  };
  const dispatch = resolveOptions({
    policy: o.policy,
    maxAttempts: o.maxAttempts,
    ...(o.routes ? { routes: o.routes } : {}),
  });
  if (!dispatch.ok) throw dispatch.error;
  const logger = o.logger ?? pino({ level: 'warn' }, pino.destination(2));
  // A caller that gives only the deprecated `clock` keeps its times; its timers are Node's.
  const scheduler: Scheduler = o.scheduler ?? (o.clock ? { ...systemScheduler, now: o.clock } : systemScheduler);
  const clock = () => scheduler.now();
  return {
    options: o,
    dispatch: dispatch.value,
    logger,
    clock,
    scheduler,
    subjects: subjectBuilders(o.subjectPrefix),
    heartbeatMs: o.heartbeatMs ?? 1000,
    taskTimeoutMs: o.taskTimeoutMs ?? 300_000,
    killGraceMs: 2000,
    maxConcurrentTasks: o.maxConcurrentTasks ?? 64,
    checkpointEvery: o.checkpointEvery ?? 1000,
    inspect: o.inspect,
    artifacts: o.pool?.maxThreads === 0 ? undefined : workerStorage(o.artifacts, process.cwd()),
    retryBackoff: resolveRetryBackoff(o.retryBackoff),
  };
}

/** The actors of a runtime, built and running; `host` unless it has no threads of its own. */
interface RuntimeParts extends RunLauncherParts {
  readonly ownBus: boolean;
  readonly host: AgentHost | undefined;
}

/** Builds the bus (unless given), the state manager (with a store), the dispatcher, the router and the local agent host. */
async function startParts(settings: RuntimeSettings): Promise<RuntimeParts> {
  const { options: o, logger, scheduler, subjects, heartbeatMs } = settings;
  const ownBus = o.bus === undefined;
  const bus =
    o.bus ??
    new InProcessBus({
      onHandlerError: (error, message) => logger.error({ err: error, subject: message.subject }, 'bus handler failed'),
    });
  const runs = new Set<WorkflowRun>();
  // Before anything publishes, so it records every registration too.
  const state = o.store
    ? new StateManager({
        bus,
        subjects,
        store: o.store,
        logger,
        scheduler,
        ...(o.leaseTtlMs === undefined ? {} : { leaseTtlMs: o.leaseTtlMs }),
        onLeaseLost: (runId, error) => [...runs].find((r) => r.id === runId)?.cancel(error.message),
      })
    : undefined;
  // An attempt of a resumed run that the run no longer holds was sent by the process before the resume.
  const staleAttempt = (requestId: string) =>
    [...runs].some((r) => r.resumed && requestId.startsWith(`${r.id}_`) && !r.holds(requestId));
  const dispatcher = new Dispatcher({
    bus,
    subjects,
    logger,
    scheduler,
    sweepMs: Math.max(50, Math.floor(heartbeatMs / 2)),
    staleAttempt,
    ...(o.agentLimits ? { agentLimits: o.agentLimits } : {}),
  });
  const router = new RunRouter(bus, subjects);
  let host: AgentHost | undefined;
  try {
    host = await startLocalHost(settings, bus);
  } catch (error) {
    router.close();
    dispatcher.close();
    state?.close();
    if (ownBus) await bus.close();
    throw error;
  }
  await bus.flush();
  return { settings, bus, ownBus, subjects, state, dispatcher, router, host, runs };
}

/** The worker threads of the runtime's own, on its bus; none with `pool.maxThreads: 0` (a coordinator only, for runtimes in other processes). */
async function startLocalHost(settings: RuntimeSettings, bus: Bus): Promise<AgentHost | undefined> {
  const { options: o, logger, clock, scheduler, subjects } = settings;
  if (o.pool?.maxThreads === 0) return undefined;
  return startAgentHost({
    bus,
    subjects,
    logger,
    clock,
    scheduler,
    agents: o.agents,
    maxThreads: o.pool?.maxThreads,
    concurrentTasksPerWorker: o.pool?.concurrentTasksPerWorker,
    prefetch: o.pool?.prefetch,
    resourceLimits: o.pool?.resourceLimits,
    heartbeatMs: settings.heartbeatMs,
    taskTimeoutMs: settings.taskTimeoutMs,
    killGraceMs: settings.killGraceMs,
    ...(o.faults ? { faults: o.faults } : {}),
    ...(o.runtimePrefix ? { runtimePrefix: o.runtimePrefix } : {}),
    ...(settings.artifacts ? { artifacts: settings.artifacts } : {}),
  });
}

/** Stops: waits for the runs to end (or cancels them), deregisters the runtimes, and stops every part. */
async function closeParts(parts: RuntimeParts, runs: RunLauncher, cancel: boolean): Promise<void> {
  runs.close();
  const active = runs.active();
  if (cancel) for (const run of active) run.cancel();
  await Promise.allSettled(active.map((r) => r.result));
  await parts.host?.close();
  await parts.bus.flush();
  parts.state?.close();
  parts.router.close();
  parts.dispatcher.close();
  if (parts.ownBus) await parts.bus.close();
}

/**
 * Starts an embedded runtime and resolves once every worker has registered.
 *
 * @example
 * const rt = await createRuntime({ agents: [new URL('./agents.js', import.meta.url)] });
 * const run = rt.submit(plan);
 * run.on('dispatch', (m) => console.log('→', m.output.content.dispatch.task_id));
 * const result = await run.result;       // seed 003's workflow_result
 * await rt.close();
 */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const settings = resolveRuntimeOptions(options);
  const parts = await startParts(settings);
  const runs = new RunLauncher(parts);
  return {
    bus: parts.bus,
    subjects: parts.subjects,
    scheduler: settings.scheduler,
    dispatcher: parts.dispatcher,
    pool: parts.host?.pool,
    state: parts.state,
    submit: (plan, submitOptions = {}) => runs.submit(plan, submitOptions),
    submitAsync: async (plan, submitOptions = {}) => runs.submitAsync(plan, submitOptions),
    resume: (runId) => runs.resume(runId),
    active: () => runs.active(),
    waitForRuntimes: (count, timeoutMs = 30_000) => waitForRuntimes(parts, settings.scheduler, count, timeoutMs),
    async close(closeOptions = {}) {
      if (runs.closing) return;
      await closeParts(parts, runs, closeOptions.cancel === true);
    },
  };
}
