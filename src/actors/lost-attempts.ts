import type { ErrorCode } from '../protocol/errors.js';
import type { AgentExecutionResult } from '../protocol/runtime-events.js';
import { vet } from '../protocol/vetted.js';
import type { DispatcherState } from './dispatcher-state.js';

/**
 * Fails, as recoverable, the attempts a runtime will not report (lost with it, or refused by
 * it): each is forgotten by the dispatcher and published as a failed `AgentExecutionResult`
 * on the runtime's behalf, so its run retries it elsewhere.
 */
export function reportLostAttempts(
  state: DispatcherState,
  requestIds: readonly string[],
  runtimeId: string,
  code: ErrorCode | 'RUNTIME_LOST' = 'RUNTIME_LOST',
  reason?: string,
): void {
  for (const id of requestIds) {
    const trigger = state.running.get(id);
    state.running.delete(id);
    state.placedOn.delete(id);
    state.reclaiming.delete(id);
    if (!trigger) continue;
    const result: AgentExecutionResult = {
      type: 'AgentExecutionResult',
      request_id: id,
      workflow_id: trigger.workflow_id,
      task_id: trigger.task_id,
      attempt: trigger.attempt,
      runtime_id: null,
      outcome: {
        status: 'failed',
        error: {
          code,
          message:
            reason ?? `Runtime ${runtimeId} was lost while running ${trigger.task_id} attempt ${trigger.attempt}.`,
          recoverable: true,
        },
      },
      at: state.stamp(),
    };
    // Vetted: a report on a runtime's behalf (runtime_id null) counts only from this process's dispatcher.
    state.o.bus.publish(state.o.subjects.result(id), vet(result));
  }
}
