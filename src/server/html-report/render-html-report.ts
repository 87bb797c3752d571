import { ExecutionGraph } from '../../graph/execution-graph.js';
import type { ExecutionResult } from '../../protocol/execution-result.js';
import { type GraphLayoutOptions, layoutGraph } from '../graph-layout.js';
import { escapeHtml } from './escape.js';
import { ganttSvg } from './gantt-svg.js';
import { graphSvg } from './graph-svg.js';
import { reportCss, STATUS_COLOURS } from './status-colours.js';
import { artifactTable, failureTable, metricsTable, taskTable } from './tables.js';

/** Options of {@link renderHtmlReport}. */
export interface HtmlReportOptions {
  /** The page's title. @default `Switchyard run <runId>` */
  readonly title?: string;
  /** How the graph is laid out (see {@link layoutGraph}). */
  readonly layout?: GraphLayoutOptions;
}

const e = escapeHtml;

function header(execution: ExecutionResult): string {
  const t = execution.totals;
  const planning = execution.planning
    ? Object.entries(execution.planning)
        .filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v))
        .map(([k, v]) => `${e(k)}: ${e(String(v))}`)
        .join('; ')
    : 'plan given as is';
  return (
    `<table class="summary"><tbody>` +
    `<tr><th>Status</th><td class="run-status">${e(execution.status)}</td></tr>` +
    `<tr><th>Success rate</th><td>${execution.successRate}%</td></tr>` +
    `<tr><th>Tasks</th><td>${t.tasks} (${t.complete} complete, ${t.failed} failed, ${t.skipped} skipped)</td></tr>` +
    `<tr><th>Duration</th><td>${Math.round(execution.durationMs)} ms</td></tr>` +
    `<tr><th>Tokens</th><td>${execution.metrics.tokens.total_tokens}</td></tr>` +
    `<tr><th>Planning</th><td>${planning}</td></tr></tbody></table>`
  );
}

function legend(): string {
  const items = Object.keys(STATUS_COLOURS)
    .map((s) => `<span><i class="st-${s}"></i>${s}</span>`)
    .join('');
  return `<p class="legend">${items}</p>`;
}

/**
 * Seed 002's final report as one self-contained HTML page: no script, no external URL —
 * inline CSS and SVG only, so it opens offline and reads the same anywhere. It holds the
 * run's status, success rate, totals, duration and planning; the plan's graph (laid out by
 * {@link layoutGraph}) coloured by each task's final status, with a legend; a Gantt of every
 * attempt; the task table; the failure log with what each failure skipped; the artifacts;
 * and metrics per agent type. Every text from the plan or the agents is escaped.
 *
 * @example
 * const execution = await dispatch(spec, { agents: [...] });
 * writeFileSync('report.html', await renderHtmlReport(execution));
 */
export async function renderHtmlReport(execution: ExecutionResult, options: HtmlReportOptions = {}): Promise<string> {
  const graph = ExecutionGraph.fromPlan(execution.plan);
  const layout = await layoutGraph(graph, options.layout);
  const tasks = new Map(execution.tasks.map((t) => [t.taskId, { status: t.status, action: t.action }]));
  const title = e(options.title ?? `Switchyard run ${execution.runId}`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${title}</title><style>${reportCss()}</style></head>
<body><h1>${title}</h1>
${header(execution)}
<h2>Graph</h2>${legend()}<div class="svgbox">${graphSvg(layout, tasks)}</div>
<h2>Timeline</h2><div class="svgbox">${ganttSvg(execution)}</div>
<h2>Tasks</h2>${taskTable(execution)}
<h2>Failures</h2>${failureTable(execution)}
<h2>Artifacts</h2>${artifactTable(execution)}
<h2>Metrics per agent type</h2>${metricsTable(execution)}
</body></html>
`;
}
