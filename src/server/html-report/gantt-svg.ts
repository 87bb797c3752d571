import type { ExecutionResult } from '../../protocol/execution-result.js';
import { clip, escapeHtml } from './escape.js';

const LABEL = 140;
const ROW = 22;
const WIDTH = 900;

/**
 * Every attempt of every task on one time axis, a row per task: a bar from dispatched to
 * ended (or to the run's end for an attempt whose result never came), of class
 * `attempt st-<outcome>`, numbered so retries show. Tasks never dispatched have an empty row.
 */
export function ganttSvg(execution: ExecutionResult): string {
  const attempts = execution.tasks.flatMap((t) => t.attempts);
  const start = Math.min(execution.startedAt ?? Infinity, ...attempts.map((a) => a.dispatchedAt));
  const endOf = (a: (typeof attempts)[number]) => a.endedAt ?? execution.endedAt ?? a.dispatchedAt;
  const end = Math.max(execution.endedAt ?? -Infinity, ...attempts.map(endOf));
  const span = Number.isFinite(start) && end > start ? end - start : 1;
  const x = (t: number) => LABEL + ((t - (Number.isFinite(start) ? start : 0)) / span) * (WIDTH - LABEL - 10);
  const rows = execution.tasks
    .map((t, i) => {
      const y = 20 + i * ROW;
      const bars = t.attempts
        .map((a) => {
          const x0 = x(a.dispatchedAt);
          const w = Math.max(2, x(endOf(a)) - x0);
          const title = `${t.taskId} attempt ${a.attempt}: ${a.status}${a.durationMs === null ? '' : `, ${a.durationMs} ms`}${a.error ? ` (${a.error.code})` : ''}`;
          return (
            `<rect class="attempt st-${escapeHtml(a.status)}" data-task="${escapeHtml(t.taskId)}" data-attempt="${a.attempt}" ` +
            `x="${x0.toFixed(1)}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 6}"><title>${escapeHtml(title)}</title></rect>` +
            (w > 14 ? `<text x="${(x0 + 3).toFixed(1)}" y="${y + 15}">${a.attempt}</text>` : '')
          );
        })
        .join('');
      return `<text x="4" y="${y + 15}">${escapeHtml(clip(t.taskId, 20))}</text>${bars}`;
    })
    .join('');
  const height = 30 + execution.tasks.length * ROW;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="gantt" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">` +
    `<text x="${LABEL}" y="12" fill="#889">0 ms</text><text x="${WIDTH - 80}" y="12" fill="#889">${Math.round(span)} ms</text>` +
    `<line x1="${LABEL}" y1="16" x2="${WIDTH - 10}" y2="16" stroke="#ccc"/>${rows}</svg>`
  );
}
