import type { DispatchCore, DispatchRecord } from '../core/dispatch-core.js';
import { partialInputNote } from '../core/envelopes.js';
import type { Dispatch } from '../protocol/dispatch-output.js';
import type { TriggerAgent } from '../protocol/runtime-events.js';

/** What a trigger names besides the attempt: the run, the request id, the attempt's time limit, now. */
export interface TriggerIds {
  readonly runId: string;
  readonly requestId: string;
  readonly timeoutMs: number;
  readonly at: string;
}

/**
 * The `TriggerAgent` of one released attempt: the routed agent and the dispatch content. A
 * fusion task on partial input also tells its agent what is missing (`compliance_notes`), as
 * the seed's envelope does in its audit block.
 */
export function attemptTrigger(
  core: DispatchCore,
  record: DispatchRecord,
  content: Dispatch,
  ids: TriggerIds,
): TriggerAgent {
  const { plan } = core;
  const note = plan.fusion[record.task] ? partialInputNote(core, record) : undefined;
  return {
    type: 'TriggerAgent',
    request_id: ids.requestId,
    workflow_id: ids.runId,
    agent_id: core.options.routes[plan.route[record.task]].agent,
    task_id: plan.ids[record.task],
    attempt: record.attempt,
    dispatch: note === undefined ? content : { ...content, compliance_notes: [note] },
    timeout_ms: ids.timeoutMs,
    at: ids.at,
  };
}
