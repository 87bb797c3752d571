import type { ExecutionResult } from '../protocol/execution-result.js';

/** A Markdown table cell: one line, no column breaks. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/gu, ' ').replaceAll('|', '\\|');
}

function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

/** The text ending with a full stop, so what follows it reads as a new sentence. */
function sentence(text: string): string {
  return /[.!?]$/u.test(text) ? text : `${text}.`;
}

/** `1234` → `1.2 s`, `87` → `87 ms`. */
function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function planningLine(planning: ExecutionResult['planning']): string {
  if (planning === null) return 'Plan given as is.';
  const p = planning as { decomposer?: string; model?: string; fallback?: { code: string; reason: string } };
  if (p.decomposer === 'llm') return `Planned by the model ${p.model ?? '(unnamed)'}.`;
  if (p.fallback) return `Planned by the pattern rules: the model path failed (${p.fallback.code}).`;
  return 'Planned by the pattern rules.';
}

function summary(r: Omit<ExecutionResult, 'report'>): string[] {
  const t = r.totals;
  const tokens = r.metrics.tokens.total_tokens;
  return [
    `# Execution report: run \`${r.runId}\``,
    '',
    `**${r.status}**: ${t.complete} of ${t.tasks} tasks complete (${r.successRate}%), ${t.failed} failed, ${t.skipped} skipped, in ${duration(r.durationMs)}.`,
    `${planningLine(r.planning)} ${r.finalArtifacts.length} artifact${r.finalArtifacts.length === 1 ? '' : 's'} produced${tokens > 0 ? `; ${tokens} tokens spent` : ''}.`,
  ];
}

/** For a resumed run: when it stopped and went on, and what the journal cannot tell. */
function resumed(r: Omit<ExecutionResult, 'report'>): string[] {
  if (r.resumed === undefined) return [];
  const stops = r.resumed.stops.map((s) => {
    const sent =
      s.redispatched.length === 0
        ? 'nothing was in flight'
        : `sent again: ${s.redispatched.map((t) => `\`${t}\``).join(', ')}`;
    return `- stopped after ${new Date(s.lastRecordedAt).toISOString()} (its last recorded step), resumed at ${new Date(s.resumedAt).toISOString()}, up to ${duration(Math.max(0, s.resumedAt - s.lastRecordedAt))} later; ${sent}.`;
  });
  return [
    '## Resumed',
    '',
    `The run was resumed ${stops.length === 1 ? 'once' : `${stops.length} times`}; what happened before each stop is read from its journal, and the run's time includes the stops.`,
    '',
    ...stops,
    ...(r.resumed.unknown.length === 0 ? [] : ['', 'Not known:', '', ...r.resumed.unknown.map((u) => `- ${u}`)]),
  ];
}

function tasks(r: Omit<ExecutionResult, 'report'>): string[] {
  const rows = r.tasks.map((t) => [
    `\`${t.taskId}\``,
    t.agent ?? '',
    t.status,
    String(t.attempts.length),
    duration(t.durationMs),
    t.summary ?? '',
  ]);
  return ['## Tasks', '', table(['task', 'agent', 'status', 'attempts', 'time', 'summary'], rows)];
}

function failures(r: Omit<ExecutionResult, 'report'>): string[] {
  if (r.failures.length === 0) return ['## Failures', '', 'None.'];
  return [
    '## Failures',
    '',
    ...r.failures.map(
      (f) =>
        `- \`${f.taskId}\` failed with \`${f.code}\` after ${f.attempts} attempt${f.attempts === 1 ? '' : 's'}: ${sentence(cell(f.message))}${f.skipped.length > 0 ? ` Skipped because of it: ${f.skipped.map((s) => `\`${s}\``).join(', ')}.` : ''}`,
    ),
  ];
}

function artifacts(r: Omit<ExecutionResult, 'report'>): string[] {
  if (r.finalArtifacts.length === 0) return ['## Artifacts', '', 'None.'];
  const rows = r.finalArtifacts.map((a) => [
    `\`${a.refId}\``,
    a.taskId === null ? '' : `\`${a.taskId}\``,
    a.assetType ?? '',
    a.uri,
  ]);
  return ['## Artifacts', '', table(['ref', 'produced by', 'type', 'URI'], rows)];
}

function metrics(r: Omit<ExecutionResult, 'report'>): string[] {
  const rows = Object.entries(r.metrics.byAgent)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([agent, m]) => [
      agent,
      String(m.tasks),
      String(m.attempts),
      String(m.complete),
      String(m.failed),
      duration(m.totalDurationMs),
      duration(m.meanDurationMs),
      duration(m.maxDurationMs),
      m.tokens.total_tokens === 0
        ? ''
        : `${m.tokens.total_tokens} (${m.tokens.prompt_tokens} in, ${m.tokens.completion_tokens} out)`,
      m.models.join(', '),
    ]);
  if (rows.length === 0) return ['## Metrics', '', 'No attempts.'];
  const head = ['agent', 'tasks', 'attempts', 'complete', 'failed', 'total time', 'mean', 'max', 'tokens', 'models'];
  return ['## Metrics', '', table(head, rows)];
}

/**
 * The Markdown report of an execution (seed 002's final report): a summary, for a resumed run
 * its stops and what is not known about them, one row per task, the failures with their codes and what they skipped, the artifacts, and metrics per agent
 * type. Deterministic: the same result gives the same text.
 */
export function executionReport(result: Omit<ExecutionResult, 'report'>): string {
  const parts = [summary, resumed, tasks, failures, artifacts, metrics].map((part) => part(result));
  return `${parts
    .filter((lines) => lines.length > 0)
    .map((lines) => lines.join('\n'))
    .join('\n\n')}\n`;
}
