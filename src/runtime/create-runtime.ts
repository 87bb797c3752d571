import { type Logger, pino } from 'pino';
import type { InspectionEvent } from 'xstate';
import { z } from 'zod';
import { randomBytes } from 'node:crypto';
import { Dispatcher } from '../actors/dispatcher.js';
import { RunRouter } from '../actors/run-router.js';
import { StateManager } from '../actors/state-manager.js';
import { WorkflowRun } from '../actors/workflow-run.js';
import type { Bus } from '../bus/bus.js';
import { InProcessBus } from '../bus/in-process-bus.js';
import { type CompiledPlan, compilePlan, compilePlanSteps } from '../core/compiled-plan.js';
import { resolveOptions } from '../core/options.js';
import { type Scheduler, systemScheduler } from '../core/scheduler.js';
import { type PlanInput, readPlan } from '../graph/plan-input.js';
import type { AgentPool } from '../pool/agent-pool.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { parseWith } from '../protocol/parse.js';
import { ID_RULE, idProblem } from '../protocol/ids.js';
import { subjects as subjectBuilders } from '../protocol/subjects.js';
import { MAX_TIMER_MS } from '../protocol/numbers.js';
import { compileRecorded } from '../journal/replay.js';
import { type AgentHost, startAgentHost } from './agent-host.js';
import { nextTurn, runSliced } from './sliced.js';
import type { StateStore } from '../store/state-store.js';

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  /** Handler modules (paths or file URLs) hosted in the worker threads (none with `pool.maxThreads: 0`). */
  agents: ReadonlyArray<string | URL>;
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
  /** Epoch milliseconds now. @default Date.now */
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
}

/** Options of {@link Runtime.submit}. */
export interface SubmitOptions {
  /** @default `run-<n>`, or with a store a unique `run-<time>-<random>` */
  runId?: string;
  sessionId?: string;
  requestId?: string;
  /** With a store: how the run was started (handler modules, pool sizes), kept to resume it the same way. */
  runner?: Record<string, unknown>;
}

/** Tasks to fail on purpose, by id (the `faults` option). */
export const FaultsSchema = z.record(
  z.string(),
  z.strictObject({ recoverable: z.boolean(), times: z.number().int().min(1).optional() }),
);

export { MAX_TIMER_MS };

const OptionsSchema = z
  .strictObject({
    agents: z.array(z.union([z.string().min(1), z.instanceof(URL)])),
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
  const parsed = parseWith(OptionsSchema, options, 'runtime options');
  if (!parsed.ok) throw parsed.error;
  const o = parsed.value;
  const dispatch = resolveOptions({ policy: o.policy, maxAttempts: o.maxAttempts });
  if (!dispatch.ok) throw dispatch.error;
  const logger = o.logger ?? pino({ level: 'warn' }, pino.destination(2));
  const clock = o.clock ?? Date.now;
  const scheduler: Scheduler = o.scheduler ?? systemScheduler;
  const subjects = subjectBuilders(o.subjectPrefix);
  const ownBus = o.bus === undefined;
  const bus =
    o.bus ??
    new InProcessBus({
      onHandlerError: (error, message) => logger.error({ err: error, subject: message.subject }, 'bus handler failed'),
    });
  const heartbeatMs = o.heartbeatMs ?? 1000;
  const taskTimeoutMs = o.taskTimeoutMs ?? 300_000;
  const killGraceMs = 2000;
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
    clock,
    sweepMs: Math.max(50, Math.floor(heartbeatMs / 2)),
    staleAttempt,
  });
  const router = new RunRouter(bus, subjects);
  let host: AgentHost | undefined;
  try {
    // maxThreads 0: a coordinator only, for runtimes in other processes (a network bus).
    if (o.pool?.maxThreads !== 0) {
      host = await startAgentHost({
        bus,
        subjects,
        logger,
        clock,
        agents: o.agents,
        maxThreads: o.pool?.maxThreads,
        concurrentTasksPerWorker: o.pool?.concurrentTasksPerWorker,
        prefetch: o.pool?.prefetch,
        resourceLimits: o.pool?.resourceLimits,
        heartbeatMs,
        taskTimeoutMs,
        killGraceMs,
        ...(o.faults ? { faults: o.faults } : {}),
        ...(o.runtimePrefix ? { runtimePrefix: o.runtimePrefix } : {}),
      });
    }
  } catch (error) {
    router.close();
    dispatcher.close();
    state?.close();
    if (ownBus) await bus.close();
    throw error;
  }
  await bus.flush();
  let closing = false;
  const supervisorOptions = (runId: string) => ({
    runId,
    bus,
    subjects,
    logger: logger.child({ run_id: runId }),
    scheduler,
    maxConcurrentTasks: o.maxConcurrentTasks ?? 64,
    taskTimeoutMs,
    resultGraceMs: killGraceMs + heartbeatMs * 4 + 1000,
    router,
    hosted: (runtimeId: string) => dispatcher.hosts(runtimeId),
    ...(o.inspect ? { inspect: o.inspect } : {}),
  });
  const track = (run: WorkflowRun): WorkflowRun => {
    runs.add(run);
    const done = () => {
      runs.delete(run);
      // The lease goes once the state manager has written the last step (a cancelled run's too).
      if (state) void state.ended(run.id).then(() => state.release(run.id));
    };
    void run.result.then(done, done);
    return run.start();
  };
  const checkOpen = () => {
    if (closing) throw new SwitchyardError(ErrorCodes.CLOSED, 'The runtime is closing; it takes no new runs.');
  };
  const checkNotRunning = (runId: string) => {
    if ([...runs].some((r) => r.id === runId))
      throw new SwitchyardError(
        ErrorCodes.RUN_EXISTS,
        `Run ${runId} is running in this runtime already; give the new run another id.`,
        { run_id: runId },
      );
  };
  /** The checks a new run passes before its plan is read; its run id. */
  const admit = (submitOptions: SubmitOptions): string => {
    checkOpen();
    // Unique across processes too: coordinators sharing a NATS server hear each other's results.
    const runId = submitOptions.runId ?? `run-${clock().toString(36)}-${randomBytes(3).toString('hex')}`;
    const problem = idProblem(runId);
    if (problem !== undefined)
      throw new SwitchyardError(
        ErrorCodes.INVALID_ID,
        `Run id ${JSON.stringify(runId)} cannot be used: ${problem}. ${ID_RULE}`,
        { run_id: runId },
      );
    checkNotRunning(runId);
    return runId;
  };
  /** Starts the run of a compiled plan (recorded first, with a store). */
  const launch = (
    plan: unknown,
    input: PlanInput,
    compiled: CompiledPlan,
    runId: string,
    submitOptions: SubmitOptions,
  ): WorkflowRun => {
    const meta = input.message?.metadata;
    const sessionId = submitOptions.sessionId ?? meta?.session_id;
    const requestId = submitOptions.requestId ?? meta?.request_id;
    if (state) {
      if (state.store.getRun(runId))
        throw new SwitchyardError(
          ErrorCodes.RUN_EXISTS,
          `Run ${runId} already exists in ${state.store.location}; resume it with \`switchyard resume ${runId}\` or pick another run id.`,
          { run_id: runId },
        );
      state.claim(runId);
    }
    const accepted = {
      plan,
      options: { policy: dispatch.value.policy, max_attempts: dispatch.value.maxAttempts },
      ...(sessionId === undefined ? {} : { session_id: sessionId }),
      ...(requestId === undefined ? {} : { request_id: requestId }),
      ...(submitOptions.runner ? { runner: submitOptions.runner } : {}),
    };
    let run: WorkflowRun;
    try {
      run = new WorkflowRun(compiled, {
        ...supervisorOptions(runId),
        options: dispatch.value,
        ...(sessionId === undefined ? {} : { sessionId }),
        ...(requestId === undefined ? {} : { requestId }),
        ...(state
          ? { journal: { checkpointEvery: o.checkpointEvery ?? 1000, accepted, recorded: () => state.ended(runId) } }
          : {}),
      });
    } catch (error) {
      state?.release(runId);
      throw error;
    }
    return track(run);
  };

  return {
    bus,
    dispatcher,
    pool: host?.pool,
    state,
    submit(plan, submitOptions = {}) {
      const runId = admit(submitOptions);
      const input = readPlan(plan);
      if (!input.ok) throw input.error;
      const compiled = compilePlan(input.value, dispatch.value);
      if (!compiled.ok) throw compiled.error;
      return launch(plan, input.value, compiled.value, runId, submitOptions);
    },
    async submitAsync(plan, submitOptions = {}) {
      const runId = admit(submitOptions);
      const input = readPlan(plan);
      if (!input.ok) throw input.error;
      const compiled = await runSliced(compilePlanSteps(input.value, dispatch.value));
      if (!compiled.ok) throw compiled.error;
      await nextTurn();
      // The runtime may have started closing, or a run taken the id, while the plan was built.
      admit({ ...submitOptions, runId });
      return launch(plan, input.value, compiled.value, runId, submitOptions);
    },
    resume(runId) {
      checkOpen();
      checkNotRunning(runId);
      if (!state)
        throw new SwitchyardError(
          ErrorCodes.UNSUPPORTED,
          `Run ${runId} cannot be resumed: this runtime has no store. Create it with createRuntime({ store }) (the CLI: --db <file>).`,
          { run_id: runId },
        );
      // The lease first: a run another live process drives is RUN_LOCKED, whatever its log says.
      state.claim(runId);
      let run: WorkflowRun;
      try {
        const recorded = state.load(runId);
        const compiled = compileRecorded(recorded.record);
        if (!compiled.ok) throw compiled.error;
        run = new WorkflowRun(compiled.value.plan, {
          ...supervisorOptions(runId),
          options: compiled.value.options,
          ...(recorded.record.session_id === null ? {} : { sessionId: recorded.record.session_id }),
          ...(recorded.record.request_id === null ? {} : { requestId: recorded.record.request_id }),
          journal: { checkpointEvery: o.checkpointEvery ?? 1000, recorded: () => state.ended(runId) },
          resume: recorded,
        });
      } catch (error) {
        state.release(runId);
        throw error;
      }
      track(run);
      // What runtimes still run for the process before: cancelled now, or when they report it.
      dispatcher.cancelStale();
      return run;
    },
    active: () => [...runs],
    async waitForRuntimes(count, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      while (dispatcher.registry.runtimes().length < count) {
        if (Date.now() > until)
          throw new SwitchyardError(
            ErrorCodes.REQUEST_TIMEOUT,
            `Only ${dispatcher.registry.runtimes().length} of the ${count} runtimes asked for registered within ${timeoutMs} ms. Are the runtime processes started, on the same NATS server and subject prefix?`,
            { expected: count, registered: dispatcher.registry.runtimes().length },
          );
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close(closeOptions = {}) {
      if (closing) return;
      closing = true;
      if (closeOptions.cancel) for (const run of runs) run.cancel();
      await Promise.allSettled([...runs].map((r) => r.result));
      await host?.close();
      await bus.flush();
      state?.close();
      router.close();
      dispatcher.close();
      if (ownBus) await bus.close();
    },
  };
}
