import type { DispatchState, OutputMessage, TaskDispatchMessage } from '../../src/index.js';

/** The dispatches among a step's messages. */
export function dispatches(messages: readonly OutputMessage[]): TaskDispatchMessage[] {
  return messages.filter((m): m is TaskDispatchMessage => m.output.content_type === 'task_dispatch');
}

/** Task ids dispatched by a step. */
export function dispatchedIds(messages: readonly OutputMessage[]): string[] {
  return dispatches(messages).map((m) => m.output.content.dispatch.task_id);
}

/** The dispatch of `taskId` among a step's messages. */
export function dispatchOf(messages: readonly OutputMessage[], taskId: string): TaskDispatchMessage {
  const found = dispatches(messages).find((m) => m.output.content.dispatch.task_id === taskId);
  if (!found) throw new Error(`${taskId} was not dispatched`);
  return found;
}

/** An execution agent's success callback for a dispatch, producing each expected ref (or the given URIs). */
export function success(
  dispatch: TaskDispatchMessage,
  uris: Record<string, string> = {},
  extra: Record<string, unknown> = {},
) {
  const d = dispatch.output.content.dispatch;
  return {
    agent: { name: dispatch.next_agent?.name ?? 'execution_agent', type: 'executional' },
    output: {
      content: {
        task_result: {
          task_id: d.task_id,
          status: 'complete',
          attempt: d.attempt,
          output_refs_produced: d.output_refs_expected.map((ref) => ({
            ref_id: ref,
            storage_uri: uris[ref] ?? `wasabi://bucket/session-xxx/${ref}`,
          })),
          ...extra,
        },
      },
      content_type: 'task_result',
    },
    metadata: {
      session_id: 'session-xxx',
      request_id: 'req-video-analysis-001',
      sequence_number: (dispatch.metadata?.sequence_number ?? 4) + 1,
    },
  };
}

/** A failure callback for a dispatch. */
export function failure(dispatch: TaskDispatchMessage, recoverable: boolean, code = 'TRANSIENT_FAILURE') {
  const d = dispatch.output.content.dispatch;
  return {
    agent: { name: dispatch.next_agent?.name ?? 'execution_agent', type: 'executional' },
    output: {
      content: { task_result: { task_id: d.task_id, status: 'failed', attempt: d.attempt } },
      content_type: 'task_result',
    },
    status: { code: 'failed' },
    error: { code, message: `${d.task_id} failed (${code})`, recoverable },
    metadata: { sequence_number: (dispatch.metadata?.sequence_number ?? 4) + 1 },
  };
}

/** Status of every task in a state. */
export function statuses(state: DispatchState | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(state?.task_states ?? {}).map(([id, t]) => [id, t.status]));
}
