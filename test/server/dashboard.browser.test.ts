import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/index.js';
import { createService, type Service } from '../../src/server/service.js';
import { SqliteStore } from '../../src/sqlite.js';
import { launchBrowser, pageOn, screenshot } from '../helpers/browser.js';
import { planWith, TEST_AGENTS } from '../helpers/fixtures.js';

/*
 * The dashboard in a real headless chromium (Debian's), against the service on real worker
 * threads and a SQLite file, with every request outside the service refused: it must work with
 * no internet. Screenshots go to test-artifacts/.
 */

const quiet = pino({ level: 'silent' });
const TOKEN = 'dashboard-test-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'switchyard-dashboard-'));
let rt: Runtime;
let service: Service;
let base: string;
let browser: Browser;

beforeAll(async () => {
  rt = await createRuntime({ agents: [TEST_AGENTS], logger: quiet, store: SqliteStore.open(join(dir, 'runs.db')) });
  service = await createService({ runtime: rt, token: TOKEN });
  base = await service.listen({ port: 0 });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await service?.close();
  await rt?.close({ cancel: true });
  rmSync(dir, { recursive: true, force: true });
});

const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const statusOf = (page: Page, task: string) => page.locator(`#graph [data-task="${task}"]`).getAttribute('data-status');

/** Sets the time-travel slider as a person dragging it would. */
async function slideTo(page: Page, value: number): Promise<void> {
  await page.locator('#time-slider').evaluate((input, v) => {
    (input as unknown as { value: string }).value = String(v);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
}

describe('the dashboard', () => {
  it('lists the runs and shows a live run: every task, turning complete as it runs, steered from the page', async () => {
    const created = await fetch(`${base}/runs`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ plan: planWith({ task_3: '[until-cancelled]' }), run_id: 'dash-1' }),
    });
    expect(created.status).toBe(201);
    const { page, refused, errors } = await pageOn(browser, base);
    await page.goto(`${base}/#token=${TOKEN}`);
    await page.locator('tr[data-run="dash-1"] a').click();
    await expect.poll(() => page.locator('#graph [data-task]').count(), { timeout: 20_000 }).toBe(12);
    await expect.poll(() => statusOf(page, 'task_1'), { timeout: 20_000 }).toBe('complete');
    await expect.poll(() => statusOf(page, 'task_3'), { timeout: 20_000 }).toBe('in_progress');
    await page.locator('#graph [data-task="task_3"]').click();
    await expect.poll(() => page.locator('#task-detail').getAttribute('data-task')).toBe('task_3');
    await page.locator('#cancel-task').click();
    await expect.poll(() => page.locator('#run-status').textContent(), { timeout: 20_000 }).toBe('partial');
    expect(await statusOf(page, 'task_3')).toBe('failed');
    expect(await page.locator('#failures').textContent()).toContain('CANCELLED');
    expect(await page.locator('#gantt [data-attempt]').count()).toBeGreaterThanOrEqual(3);
    await screenshot(page, 'dashboard-run');
    expect(refused).toEqual([]); // nothing from outside the service: it works offline
    expect(errors).toEqual([]);
    await page.close();
  });

  it('time travel: the slider redraws the graph and the timeline as they stood at an earlier step', async () => {
    const { page, errors } = await pageOn(browser, base);
    await page.goto(`${base}/#token=${TOKEN}`);
    await page.goto(`${base}/#/runs/dash-1`);
    await expect.poll(() => statusOf(page, 'task_1'), { timeout: 20_000 }).toBe('complete');
    await slideTo(page, 2); // just after task_1 went out
    await expect.poll(() => statusOf(page, 'task_1')).toBe('in_progress');
    expect(await statusOf(page, 'task_12')).toBe('pending');
    expect(await page.locator('#time-label').textContent()).toMatch(/^event [23] · /u); // the end of the step holding event 2
    expect(await page.locator('#gantt [data-attempt]').count()).toBe(1);
    await screenshot(page, 'dashboard-time-travel');
    const max = Number(await page.locator('#time-slider').getAttribute('max'));
    await slideTo(page, max);
    await expect.poll(() => statusOf(page, 'task_1')).toBe('complete');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says so when the token is missing, without leaking anything', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/#/runs`);
    await expect.poll(() => page.locator('main .error').textContent(), { timeout: 20_000 }).toContain('bearer token');
    await context.close();
  });
});
