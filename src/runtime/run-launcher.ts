import { randomBytes } from 'node:crypto';
import type { Dispatcher } from '../actors/dispatcher.js';
import type { RunRouter } from '../actors/run-router.js';
import type { StateManager } from '../actors/state-manager.js';
import { WorkflowRun } from '../actors/workflow-run.js';
import type { Bus } from '../bus/bus.js';
import { type CompiledPlan, compilePlan, compilePlanSteps } from '../core/compiled-plan.js';
import { type PlanInput, readPlan } from '../graph/plan-input.js';
import { compileRecorded } from '../journal/replay.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { ID_RULE, idProblem } from '../protocol/ids.js';
import type { Subjects } from '../protocol/subjects.js';
import type { RuntimeSettings, SubmitOptions } from './create-runtime.js';
import { checkServed } from './capability-check.js';
import { MaxExecutionTimeSchema } from './retry-backoff.js';
import { MAX_TIMER_MS } from '../protocol/numbers.js';
import { nextTurn, runSliced } from './sliced.js';

/** What a {@link RunLauncher} starts runs on. */
export interface RunLauncherParts {
  readonly settings: RuntimeSettings;
  readonly bus: Bus;
  readonly subjects: Subjects;
  readonly dispatcher: Dispatcher;
  readonly router: RunRouter;
  readonly state: StateManager | undefined;
  /** Runs submitted and not yet ended (shared with the state manager's lease watch). */
  readonly runs: Set<WorkflowRun>;
}

/**
 * The runs of a runtime: admits a new run (open, unique id, valid plan), records it first when
 * there is a store, starts its supervisor, resumes a recorded one, and forgets each as it ends.
 */
export class RunLauncher {
  readonly #p: RunLauncherParts;
  #closing = false;

  constructor(parts: RunLauncherParts) {
    this.#p = parts;
  }

  /** Runs submitted and not yet ended. */
  active(): WorkflowRun[] {
    return [...this.#p.runs];
  }

  /** Takes no new runs from now on. */
  close(): void {
    this.#closing = true;
  }

  get closing(): boolean {
    return this.#closing;
  }

  submit(plan: unknown, submitOptions: SubmitOptions): WorkflowRun {
    const runId = this.#admit(submitOptions);
    const input = readPlan(plan);
    if (!input.ok) throw input.error;
    const compiled = compilePlan(input.value, this.#p.settings.dispatch);
    if (!compiled.ok) throw compiled.error;
    this.#checkServed(compiled.value, submitOptions);
    return this.#launch(plan, input.value, compiled.value, runId, submitOptions);
  }

  async submitAsync(plan: unknown, submitOptions: SubmitOptions): Promise<WorkflowRun> {
    const runId = this.#admit(submitOptions);
    const input = readPlan(plan);
    if (!input.ok) throw input.error;
    const compiled = await runSliced(compilePlanSteps(input.value, this.#p.settings.dispatch));
    if (!compiled.ok) throw compiled.error;
    await nextTurn();
    // The runtime may have started closing, or a run taken the id, while the plan was built.
    this.#admit({ ...submitOptions, runId });
    this.#checkServed(compiled.value, submitOptions);
    return this.#launch(plan, input.value, compiled.value, runId, submitOptions);
  }

  resume(runId: string): WorkflowRun {
    this.#checkOpen();
    this.#checkNotRunning(runId);
    const { state, dispatcher } = this.#p;
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
        ...this.#supervisorOptions(runId),
        options: compiled.value.options,
        ...(recorded.record.session_id === null ? {} : { sessionId: recorded.record.session_id }),
        ...(recorded.record.request_id === null ? {} : { requestId: recorded.record.request_id }),
        journal: { checkpointEvery: this.#p.settings.checkpointEvery, recorded: () => state.ended(runId) },
        resume: recorded,
      });
    } catch (error) {
      state.release(runId);
      throw error;
    }
    this.#track(run);
    // What runtimes still run for the process before: cancelled now, or when they report it.
    dispatcher.cancelStale();
    return run;
  }

  /** Starts the run of a compiled plan (recorded first, with a store). */
  #launch(
    plan: unknown,
    input: PlanInput,
    compiled: CompiledPlan,
    runId: string,
    submitOptions: SubmitOptions,
  ): WorkflowRun {
    const { state, settings } = this.#p;
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
      options: {
        policy: settings.dispatch.policy,
        max_attempts: settings.dispatch.maxAttempts,
        ...(settings.options.routes ? { routes: settings.options.routes } : {}),
      },
      ...(sessionId === undefined ? {} : { session_id: sessionId }),
      ...(requestId === undefined ? {} : { request_id: requestId }),
      ...(submitOptions.runner ? { runner: submitOptions.runner } : {}),
    };
    let run: WorkflowRun;
    try {
      const maxExecutionTimeMs = submitOptions.maxExecutionTimeMs ?? settings.options.maxExecutionTimeMs;
      run = new WorkflowRun(compiled, {
        ...this.#supervisorOptions(runId),
        options: settings.dispatch,
        ...(maxExecutionTimeMs === undefined ? {} : { maxExecutionTimeMs }),
        ...(sessionId === undefined ? {} : { sessionId }),
        ...(requestId === undefined ? {} : { requestId }),
        ...(state
          ? { journal: { checkpointEvery: settings.checkpointEvery, accepted, recorded: () => state.ended(runId) } }
          : {}),
      });
    } catch (error) {
      state?.release(runId);
      throw error;
    }
    return this.#track(run);
  }

  #supervisorOptions(runId: string) {
    const { bus, subjects, router, dispatcher, settings } = this.#p;
    const { logger, scheduler, taskTimeoutMs, killGraceMs, heartbeatMs } = settings;
    return {
      runId,
      bus,
      subjects,
      logger: logger.child({ run_id: runId }),
      scheduler,
      maxConcurrentTasks: settings.maxConcurrentTasks,
      taskTimeoutMs,
      resultGraceMs: killGraceMs + heartbeatMs * 4 + 1000,
      retryBackoff: settings.retryBackoff,
      ...(settings.options.maxExecutionTimeMs === undefined
        ? {}
        : { maxExecutionTimeMs: settings.options.maxExecutionTimeMs }),
      router,
      hosted: (runtimeId: string) => dispatcher.hosts(runtimeId),
      ...(settings.inspect ? { inspect: settings.inspect } : {}),
    };
  }

  #track(run: WorkflowRun): WorkflowRun {
    const { runs, state } = this.#p;
    runs.add(run);
    const done = () => {
      runs.delete(run);
      // The lease goes once the state manager has written the last step (a cancelled run's too).
      if (state) void state.ended(run.id).then(() => state.release(run.id));
    };
    void run.result.then(done, done);
    return run.start();
  }

  /** Refuses a plan with tasks no registered runtime serves, unless the caller opted out. */
  #checkServed(plan: CompiledPlan, submitOptions: SubmitOptions): void {
    if (submitOptions.checkCapabilities === false) return;
    checkServed(plan, this.#p.settings.dispatch.routes, this.#p.dispatcher.registry);
  }

  /** The checks a new run passes before its plan is read; its run id. */
  #admit(submitOptions: SubmitOptions): string {
    this.#checkOpen();
    const limit = submitOptions.maxExecutionTimeMs;
    if (limit !== undefined && !MaxExecutionTimeSchema.safeParse(limit).success)
      throw new SwitchyardError(
        ErrorCodes.INVALID_INPUT,
        `Expected \`maxExecutionTimeMs\` to be a whole number of milliseconds from 1 to ${MAX_TIMER_MS}, got \`${String(limit)}\`.`,
        { maxExecutionTimeMs: limit },
      );
    // Unique across processes too: coordinators sharing a NATS server hear each other's results.
    const runId =
      submitOptions.runId ?? `run-${this.#p.settings.clock().toString(36)}-${randomBytes(3).toString('hex')}`;
    const problem = idProblem(runId);
    if (problem !== undefined)
      throw new SwitchyardError(
        ErrorCodes.INVALID_ID,
        `Run id ${JSON.stringify(runId)} cannot be used: ${problem}. ${ID_RULE}`,
        { run_id: runId },
      );
    this.#checkNotRunning(runId);
    return runId;
  }

  #checkOpen(): void {
    if (this.#closing) throw new SwitchyardError(ErrorCodes.CLOSED, 'The runtime is closing; it takes no new runs.');
  }

  #checkNotRunning(runId: string): void {
    if ([...this.#p.runs].some((r) => r.id === runId))
      throw new SwitchyardError(
        ErrorCodes.RUN_EXISTS,
        `Run ${runId} is running in this runtime already; give the new run another id.`,
        { run_id: runId },
      );
  }
}
