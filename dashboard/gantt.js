import { duration, svg } from './dom.js';

const ROW = 20;
const LEFT = 90;
const WIDTH = 900;

/**
 * The attempts of task `id` that had gone out in `state` (its attempt count then), each with
 * whether it had ended: all but a last one still in progress. Times alone cannot tell steps
 * recorded in the same millisecond apart; the state can.
 */
function shown(attempts, id, state) {
  const task = state.task_states[id];
  const count = task?.attempts ?? 0;
  return (attempts.tasks[id] ?? [])
    .filter((a) => a.attempt <= count)
    .map((a) => ({ ...a, open: a.attempt === count && task.status === 'in_progress' }));
}

/**
 * A Gantt chart of every attempt per task on the run's time axis as they stood in `state`, up
 * to `until` (epoch ms; an attempt still out then is drawn as unfinished): bars coloured by
 * outcome, retries side by side.
 */
export function drawGantt(attempts, taskIds, state, until) {
  const all = taskIds.flatMap((id) => shown(attempts, id, state));
  const start = attempts.started_at ?? Math.min(...all.map((a) => a.dispatchedAt), until);
  const span = Math.max(1, until - start);
  const x = (t) => LEFT + ((Math.min(t, until) - start) / span) * (WIDTH - LEFT - 10);
  const rows = taskIds.map((id, i) => {
    const bars = shown(attempts, id, state).map((a) => {
      const ended = !a.open && a.endedAt !== null;
      const status = ended ? a.status : 'unfinished';
      const end = ended ? a.endedAt : until;
      return svg(
        'rect',
        {
          class: `bar ${status === 'unfinished' ? 'unfinished' : `status-${status === 'complete' ? 'complete' : 'failed'}`}`,
          'data-attempt': `${id}#${a.attempt}`,
          x: x(a.dispatchedAt),
          y: i * ROW + 4,
          width: Math.max(2, x(end) - x(a.dispatchedAt)),
          height: ROW - 8,
        },
        svg(
          'title',
          {},
          `${id} attempt ${a.attempt} on ${a.agent}: ${status}, ${duration(end - a.dispatchedAt)}${a.error ? ` — ${a.error.code}` : ''}`,
        ),
      );
    });
    return svg('g', {}, svg('text', { x: 4, y: i * ROW + 14 }, id), ...bars);
  });
  return svg(
    'svg',
    { width: WIDTH, height: taskIds.length * ROW + 24, role: 'img', 'aria-label': 'attempt timeline' },
    ...rows,
    svg('text', { x: LEFT, y: taskIds.length * ROW + 18, class: 'muted' }, `0 → ${duration(span)}`),
  );
}
