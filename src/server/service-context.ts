import type { Logger } from 'pino';
import type { WorkflowRun } from '../actors/workflow-run.js';
import type { LlmBackend } from '../planning/llm-backend.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import type { Runtime } from '../runtime/create-runtime.js';
import type { StateStore } from '../store/state-store.js';

/** What every route of the service works with. */
export interface ServiceContext {
  readonly runtime: Runtime;
  /** The runtime's store: every run the service shows is recorded there. */
  readonly store: StateStore;
  readonly logger: Logger;
  /** The model that plans submitted specifications (else the pattern rules). */
  readonly llm: LlmBackend | undefined;
  /** Epoch milliseconds, from the runtime's scheduler. */
  now(): number;
}

/** The run `runId` while this process drives it, or `undefined`. */
export function liveRun(ctx: ServiceContext, runId: string): WorkflowRun | undefined {
  return ctx.runtime.active().find((run) => run.id === runId);
}

/** The run `runId` this process drives; else `RUN_LOCKED` (another process drives it) or `RUN_ENDED` / `RUN_NOT_FOUND`. */
export function drivenRun(ctx: ServiceContext, runId: string): WorkflowRun {
  const run = liveRun(ctx, runId);
  if (run) return run;
  const record = ctx.store.getRun(runId);
  if (!record)
    throw new SwitchyardError(ErrorCodes.RUN_NOT_FOUND, `There is no run ${runId}. GET /runs lists the runs.`, {
      run_id: runId,
    });
  if (record.status === 'running')
    throw new SwitchyardError(
      ErrorCodes.RUN_LOCKED,
      `Run ${runId} is not driven by this service (another process has it, or it was interrupted): POST /runs/${runId}/resume takes it over once that process is gone.`,
      { run_id: runId },
    );
  throw new SwitchyardError(ErrorCodes.RUN_ENDED, `Run ${runId} already ended (${record.status}).`, {
    run_id: runId,
    status: record.status,
  });
}

/** Watches a run the service started or resumed: its end is logged, never an unhandled rejection. */
export function watch(ctx: ServiceContext, run: WorkflowRun): WorkflowRun {
  run.result.then(
    (result) => ctx.logger.info({ run_id: run.id, status: result.status }, 'run ended'),
    (error: unknown) =>
      error instanceof SwitchyardError && error.code === ErrorCodes.CLOSED
        ? ctx.logger.info({ run_id: run.id, reason: error.message }, 'run cancelled')
        : ctx.logger.error({ err: error, run_id: run.id }, 'run failed to finish'),
  );
  return run;
}
