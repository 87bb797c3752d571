import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionResult } from '../../src/index.js';
import { renderHtmlReport } from '../../src/server/html-report/render-html-report.js';
import { todoExecution } from './todo-execution.js';
import { launchBrowser } from '../helpers/browser.js';

/** The browser's getComputedStyle (the tests' types have no DOM). */
type Styled = { getComputedStyle(element: unknown): { fill: string } };

let browser: Browser | undefined;
let dir: string | undefined;
let execution: ExecutionResult;
beforeAll(async () => {
  execution = await todoExecution();
  dir = mkdtempSync(join(tmpdir(), 'switchyard-html-'));
  browser = await launchBrowser(); // playwright gives each launch a fresh profile of its own
}, 120_000);
afterAll(async () => {
  await browser?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the HTML report in headless Chromium', () => {
  it('opens offline and shows every task of the todo-cli run with its final status', async () => {
    const file = join(dir as string, 'report.html');
    writeFileSync(file, await renderHtmlReport(execution));
    const url = pathToFileURL(file).href;
    const page = await (browser as Browser).newPage();
    const attempted: string[] = [];
    await page.route('**/*', (route) => {
      if (route.request().url() === url) return route.continue();
      attempted.push(route.request().url());
      return route.abort();
    });
    await page.goto(url);
    const shown = await page.$$eval('svg.graph g.task', (gs) =>
      gs.map((g) => [g.getAttribute('data-task'), g.getAttribute('class')]),
    );
    expect(Object.fromEntries(shown)).toEqual(
      Object.fromEntries(execution.tasks.map((t) => [t.taskId, `task st-${t.status}`])),
    );
    // The status class really colours the box: a failed task's fill is the failed colour.
    const fill = await page.$eval(
      'g.task[data-task="task_7"] rect.box',
      (r) => (globalThis as unknown as Styled).getComputedStyle(r).fill,
    );
    expect(fill).toBe('rgb(249, 208, 208)');
    expect(await page.locator('svg.gantt rect.attempt').count()).toBe(
      execution.tasks.reduce((n, t) => n + t.attempts.length, 0),
    );
    mkdirSync('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/html-report.png', fullPage: true });
    expect(attempted).toEqual([]);
    await page.close();
  }, 60_000);
});
