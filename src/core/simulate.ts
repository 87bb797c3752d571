import type { TaskDispatchMessage } from '../protocol/dispatch-output.js';
import type { DispatchOptions } from './options.js';
import type { DispatchState } from './run-state.js';
import { type OutputMessage, step } from './step.js';
import { parseTimestamp } from './time.js';

/** How a simulated task fails: on every attempt, recoverably or not. */
export interface SimulatedFailure {
  readonly recoverable: boolean;
  /** Fail only the first `times` attempts, then succeed. @default every attempt */
  readonly times?: number;
}

/** Options of {@link simulate}. */
export interface SimulateOptions extends Omit<DispatchOptions, 'clock'> {
  /** Tasks that fail, by id. */
  readonly fail?: Readonly<Record<string, SimulatedFailure>>;
  /** Simulated milliseconds between two steps. @default 1000 */
  readonly tickMs?: number;
}

/** One step of a simulation: the message fed in and what came out. */
export interface SimulationStep {
  /** Simulated epoch milliseconds of the step. */
  readonly at: number;
  readonly input: unknown;
  readonly messages: readonly OutputMessage[];
}

/** The whole simulated run. */
export interface Simulation {
  readonly steps: readonly SimulationStep[];
  readonly state: DispatchState | undefined;
}

function resultFor(
  dispatch: TaskDispatchMessage,
  failure: SimulatedFailure | undefined,
  sequence: number,
): Record<string, unknown> {
  const d = dispatch.output.content.dispatch;
  const agent = dispatch.next_agent?.name ?? 'execution_agent';
  const metadata = {
    ...(dispatch.metadata?.session_id === undefined ? {} : { session_id: dispatch.metadata.session_id }),
    ...(dispatch.metadata?.request_id === undefined ? {} : { request_id: dispatch.metadata.request_id }),
    sequence_number: sequence,
  };
  const base = { agent: { name: agent, type: 'executional' }, input: { source: 'dispatch_agent' }, metadata };
  if (failure && (failure.times === undefined || d.attempt <= failure.times)) {
    return {
      ...base,
      output: {
        content: { task_result: { task_id: d.task_id, status: 'failed', attempt: d.attempt } },
        content_type: 'task_result',
      },
      status: { code: 'failed' },
      error: {
        code: failure.recoverable ? 'TRANSIENT_FAILURE' : 'INVALID_INPUT_FORMAT',
        message: `simulated ${failure.recoverable ? 'recoverable' : 'non-recoverable'} failure of ${d.task_id} (attempt ${d.attempt})`,
        recoverable: failure.recoverable,
      },
    };
  }
  const session = dispatch.metadata?.session_id ?? 'session';
  return {
    ...base,
    output: {
      content: {
        task_result: {
          task_id: d.task_id,
          status: 'complete',
          attempt: d.attempt,
          output_refs_produced: d.output_refs_expected.map((ref) => ({
            ref_id: ref,
            storage_uri: `sim://${session}/${ref}`,
          })),
          result_summary: `simulated success of ${d.task_id}`,
        },
      },
      content_type: 'task_result',
    },
    status: { code: 'success' },
  };
}

/**
 * Drives a whole run through {@link step} with instant synthetic results: every dispatch is
 * answered in the order it went out, with success (producing each expected ref under a
 * `sim://` URI) or the failure `options.fail` asks for. Time advances by `tickMs` per step
 * from the plan's `metadata.timestamp` (or the epoch). Deterministic.
 *
 * @example
 * const run = simulate(plan, { fail: { task_5: { recoverable: true } } }); // seed 003's Example 4
 */
export function simulate(plan: unknown, options: SimulateOptions = {}): Simulation {
  const { fail = {}, tickMs = 1000, ...dispatchOptions } = options;
  const stamp = (plan as { metadata?: { timestamp?: unknown } } | null)?.metadata?.timestamp;
  let now = (typeof stamp === 'string' ? parseTimestamp(stamp)?.ms : undefined) ?? 0;
  const clock = () => now;
  const steps: SimulationStep[] = [];
  let { state, messages } = step(undefined, plan, { ...dispatchOptions, clock });
  steps.push({ at: now, input: plan, messages });
  const queue = messages.filter((m): m is TaskDispatchMessage => m.output.content_type === 'task_dispatch');
  while (queue.length > 0) {
    const dispatch = queue.shift() as TaskDispatchMessage;
    now += tickMs;
    const input = resultFor(
      dispatch,
      fail[dispatch.output.content.dispatch.task_id],
      (dispatch.metadata?.sequence_number ?? 4) + 1,
    );
    ({ state, messages } = step(state, input, { ...dispatchOptions, clock }));
    steps.push({ at: now, input, messages });
    for (const m of messages) if (m.output.content_type === 'task_dispatch') queue.push(m as TaskDispatchMessage);
  }
  return { steps, state };
}
