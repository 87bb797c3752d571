import type { ExecutionResult } from '../../protocol/execution-result.js';
import { escapeHtml } from './escape.js';

const e = escapeHtml;

/** A table from a header row and body rows, each cell already HTML. */
function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '<p>None.</p>';
  const th = head.map((h) => `<th>${h}</th>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

/** The task table: id, status, agent, attempts, duration, action, summary. */
export function taskTable(execution: ExecutionResult): string {
  return table(
    ['Task', 'Status', 'Agent', 'Attempts', 'Duration (ms)', 'Action', 'Summary'],
    execution.tasks.map((t) => [
      `<code>${e(t.taskId)}</code>`,
      `<span class="st-${e(t.status)}" data-task="${e(t.taskId)}">${e(t.status)}</span>`,
      e(t.agent ?? '—'),
      String(t.attempts.length),
      String(Math.round(t.durationMs)),
      e(t.action),
      e(t.summary ?? ''),
    ]),
  );
}

/** The failure log: each failed task's code, message, attempts, and the tasks its failure skipped. */
export function failureTable(execution: ExecutionResult): string {
  return table(
    ['Task', 'Code', 'Message', 'Attempts', 'Skipped because of it'],
    execution.failures.map((f) => [
      `<code>${e(f.taskId)}</code>`,
      `<code>${e(f.code)}</code>`,
      e(f.message),
      String(f.attempts),
      f.skipped.map((s) => `<code>${e(s)}</code>`).join(', ') || '—',
    ]),
  );
}

/** The artifacts the run produced. */
export function artifactTable(execution: ExecutionResult): string {
  return table(
    ['Ref', 'URI', 'Type', 'Status', 'Task'],
    execution.finalArtifacts.map((a) => [
      `<code>${e(a.refId)}</code>`,
      `<code>${e(a.uri)}</code>`,
      e(a.assetType ?? '—'),
      e(a.status),
      a.taskId === null ? '—' : `<code>${e(a.taskId)}</code>`,
    ]),
  );
}

/** Metrics per agent type: tasks, attempts by outcome, durations, tokens and models. */
export function metricsTable(execution: ExecutionResult): string {
  const rows = Object.entries(execution.metrics.byAgent)
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([agent, m]) => [
      e(agent),
      String(m.tasks),
      String(m.attempts),
      `${m.complete} / ${m.failed} / ${m.unfinished}`,
      String(Math.round(m.meanDurationMs)),
      String(Math.round(m.maxDurationMs)),
      `${m.tokens.prompt_tokens} / ${m.tokens.completion_tokens} / ${m.tokens.total_tokens}`,
      e(m.models.join(', ') || '—'),
    ]);
  return table(
    [
      'Agent',
      'Tasks',
      'Attempts',
      'Complete / failed / unfinished',
      'Mean ms',
      'Max ms',
      'Tokens in / out / total',
      'Models',
    ],
    rows,
  );
}
