import type { CoreHooks, DispatchCore } from '../core/dispatch-core.js';
import { S } from '../machines/task-table.js';
import type { RunEvent } from '../protocol/run-events.js';

/**
 * Core hooks that describe what the core does as run events (dispatched, retried, skipped,
 * ref resolved — a completion or a final failure is what its result_received already says),
 * for the journal of a live run and for replay to check
 * itself against the log. `core` is read when a hook fires, so it may be set after the hooks
 * are made (the core takes its hooks in its constructor).
 */
export function eventHooks(
  core: () => DispatchCore,
  sink: (event: RunEvent) => void,
): Pick<CoreHooks, 'onTransition' | 'onRefResolved'> {
  return {
    onTransition(v, event, _from, to) {
      const c = core();
      const task_id = c.plan.ids[v];
      switch (event.type) {
        case 'DISPATCH':
          sink({ type: 'task_dispatched', task_id, attempt: c.attempts[v], agent_id: event.agent });
          break;
        case 'FAIL':
          // A failure that is not retried is final: the result_received before it says so.
          if (to !== S.failed) sink({ type: 'task_retried', task_id, attempt: c.attempts[v] });
          break;
        case 'SKIP':
          sink({ type: 'task_skipped', task_id, reason: event.reason });
          break;
        default:
          break;
      }
    },
    onRefResolved(r) {
      const c = core();
      sink({ type: 'ref_resolved', ref_id: c.plan.refIds[r], storage_uri: c.refUri[r] });
    },
  };
}
