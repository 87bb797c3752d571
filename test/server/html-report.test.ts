import { beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../src/index.js';
import { renderHtmlReport } from '../../src/server/html-report/render-html-report.js';
import { STATUS_COLOURS } from '../../src/server/html-report/status-colours.js';
import { todoExecution } from './todo-execution.js';

let execution: ExecutionResult;
beforeAll(async () => {
  execution = await todoExecution();
}, 60_000);

/** The execution with task `id`'s action (in the result and in the plan) replaced by `action`. */
function withAction(id: string, action: string): ExecutionResult {
  const copy = structuredClone(execution);
  copy.tasks.find((t) => t.taskId === id)!.action = action;
  const tasks = copy.plan.output.content.workflow.tasks;
  const list = Array.isArray(tasks) ? tasks : Object.values(tasks);
  list.find((t) => t.id === id)!.action = action;
  copy.failures[0].message = '<b>bold</b> & "quoted"';
  return copy;
}

describe('renderHtmlReport', () => {
  it('shows every task in the graph, the Gantt and the table, each with its final status class', async () => {
    const html = await renderHtmlReport(execution);
    expect(execution.totals).toEqual({ tasks: 13, complete: 8, failed: 1, skipped: 4 });
    for (const t of execution.tasks) {
      expect(html).toContain(`<g class="task st-${t.status}" data-task="${t.taskId}" data-status="${t.status}">`);
      expect(html).toContain(`<span class="st-${t.status}" data-task="${t.taskId}">`);
    }
    // task_3's retry: a failed attempt 1 then a complete attempt 2 on the timeline.
    expect(html).toMatch(/class="attempt st-failed" data-task="task_3" data-attempt="1"/u);
    expect(html).toMatch(/class="attempt st-complete" data-task="task_3" data-attempt="2"/u);
    expect(html).toContain('INJECTED_FAULT');
    for (const [status, c] of Object.entries(STATUS_COLOURS))
      expect(html).toContain(`.st-${status} rect.box,rect.st-${status}{fill:${c.fill}`);
  });

  it('is self-contained: no script, no external URL', async () => {
    const html = await renderHtmlReport(execution);
    expect(html).not.toMatch(/<script|<link|<img|@import|url\((?!#)/iu);
    const urls = html.match(/https?:\/\/[^"'\s<]+/gu) ?? [];
    expect(urls.every((u) => u === 'http://www.w3.org/2000/svg')).toBe(true);
  });

  it('renders untrusted text from plans and agents as text', async () => {
    const evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
    const html = await renderHtmlReport(withAction('task_2', evil));
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>bold</b>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt; &amp; &quot;quoted&quot;');
  });
});
