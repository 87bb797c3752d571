import type { CoreHooks, DispatchCore } from '../core/dispatch-core.js';
import { S } from '../machines/task-table.js';
import type { RunEvent } from './run-events.js';

/**
 * Core hooks that describe what the core does as run events (dispatched, completed, retried,
 * failed, skipped, ref resolved), for the journal of a live run and for replay to check
 * itself against the log. `core` is read when a hook fires, so it may be set after the hooks
 * are made (the core takes its hooks in its constructor).
 */
export function eventHooks(core: () => DispatchCore, sink: (event: RunEvent) => void): Pick<CoreHooks, 'onTransition' | 'onRefResolved'> {
  return {
    onTransition(v, event, _from, to) {
      const c = core();
      const task_id = c.plan.ids[v];
      switch (event.type) {
        case 'DISPATCH':
          sink({ type: 'task_dispatched', task_id, attempt: c.attempts[v], agent_id: event.agent });
          break;
        case 'SUCCEED':
          sink({ type: 'task_completed', task_id });
          break;
        case 'FAIL':
          sink(to === S.failed ? { type: 'task_failed', task_id } : { type: 'task_retried', task_id, attempt: c.attempts[v] });
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
