import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime, step, type StepResult } from '../../src/index.js';
import { createService, type Service } from '../../src/server/service.js';
import { SqliteStore } from '../../src/sqlite.js';
import { examplePlan, planWith, TEST_AGENTS } from '../helpers/fixtures.js';
import { dispatchedIds, dispatchOf, success } from '../helpers/runs.js';

/*
 * The HTTP service through fastify's inject, on a real runtime: worker threads running the
 * test agents, a real SQLite file. Streams and live steering are in service-live.test.ts.
 */

const quiet = pino({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'switchyard-service-'));
let rt: Runtime;
let service: Service;
let n = 0;

beforeAll(async () => {
  rt = await createRuntime({
    agents: [TEST_AGENTS],
    logger: quiet,
    store: SqliteStore.open(join(dir, 'runs.db')),
    retryBackoff: { baseMs: 0 },
  });
  service = await createService({ runtime: rt });
});
afterAll(async () => {
  await service.close();
  await rt.close({ cancel: true });
  rmSync(dir, { recursive: true, force: true });
});

const inject = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
  service.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }) });

/** Submits `plan` and waits for the run to end; its id. */
async function runToEnd(plan: unknown): Promise<string> {
  const runId = `run-${++n}`;
  const res = await inject('POST', '/runs', { plan, run_id: runId });
  expect(res.statusCode, res.body).toBe(201);
  await rt.active().find((r) => r.id === runId)?.result;
  await rt.bus.flush();
  return runId;
}

describe('the runs API', () => {
  it('starts a run of a plan, lists it, shows its state, plan and steps', async () => {
    const res = await inject('POST', '/runs', { plan: examplePlan(), run_id: 'first' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({
      run_id: 'first',
      status: 'running',
      links: { self: '/runs/first', events: '/runs/first/events' },
    });
    expect((await inject('GET', '/runs/first')).json().live).toBe(true); // recorded at once, driven here
    await rt.active().find((r) => r.id === 'first')?.result;
    await rt.bus.flush();
    const list = (await inject('GET', '/runs')).json().runs as Array<Record<string, unknown>>;
    expect(list.find((r) => r.run_id === 'first')).toMatchObject({ status: 'complete', live: false });
    const view = (await inject('GET', '/runs/first')).json();
    expect(view.run).toMatchObject({ run_id: 'first', status: 'complete', counts: { total: 12, completed: 12 } });
    expect(
      Object.values(view.workflow_state.task_states).every((t) => (t as { status: string }).status === 'complete'),
    ).toBe(true);
    expect((await inject('GET', '/runs/first/plan')).json()).toEqual(examplePlan());
    const steps = (await inject('GET', '/runs/first/steps?after=0')).json().steps as Array<{
      seq: number;
      events: unknown[];
    }>;
    expect(steps[0].seq).toBe(1);
    expect(
      steps.flatMap((s) => s.events).filter((e) => (e as { type: string }).type === 'task_dispatched'),
    ).toHaveLength(12);
    const later = (await inject('GET', `/runs/first/steps?after=${steps[1].seq}`)).json().steps as unknown[];
    expect(later).toHaveLength(steps.length - 2);
  });

  it("replays a run's state after any of its steps, and lists its attempts with their times", async () => {
    const steps = (await inject('GET', '/runs/first/steps')).json().steps as Array<{ seq: number; events: unknown[] }>;
    let completed = -1;
    for (const step of steps) {
      const res = await inject('GET', `/runs/first/state?at=${step.seq}`);
      expect(res.statusCode).toBe(200);
      const travelled = res.json();
      expect(travelled.seq).toBe(step.seq + step.events.length - 1);
      const done = Object.values(travelled.workflow_state.task_states).filter(
        (t) => (t as { status: string }).status === 'complete',
      ).length;
      expect(done).toBeGreaterThanOrEqual(completed); // time only goes forward
      completed = done;
    }
    expect(completed).toBe(12);
    const end = (await inject('GET', '/runs/first/state?at=1000000')).json();
    expect(end.workflow_state).toEqual((await inject('GET', '/runs/first')).json().workflow_state);
    const early = (await inject('GET', '/runs/first/state?at=2')).json();
    expect(early.workflow_state.task_states.task_1.status).toBe('in_progress');
    const attempts = (await inject('GET', '/runs/first/attempts')).json();
    expect(Object.keys(attempts.tasks)).toHaveLength(12);
    for (const [task, list] of Object.entries(attempts.tasks as Record<string, Array<Record<string, unknown>>>)) {
      expect(list, task).toHaveLength(1);
      expect(list[0]).toMatchObject({ attempt: 1, status: 'complete' });
      expect(list[0].endedAt as number).toBeGreaterThanOrEqual(list[0].dispatchedAt as number);
    }
  });

  it('plans a specification given as Markdown text and runs it', async () => {
    const spec = readFileSync(new URL('../../examples/specs/todo-cli.md', import.meta.url), 'utf8');
    // The test agents serve seed 003's namespaces only: the decomposed plan's CAP-CODE-* … are refused at submit.
    const refused = await inject('POST', '/runs', { specification: spec });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('CAPABILITY_NOT_AVAILABLE');
    const res = await inject('POST', '/runs', { specification: spec, check_capabilities: false, run_id: 'spec-1' });
    expect(res.statusCode).toBe(201);
    await rt.active().find((r) => r.id === 'spec-1')?.result;
    await rt.bus.flush();
    const view = (await inject('GET', '/runs/spec-1')).json();
    expect(view.run.counts.total).toBe(13);
    // Nothing serves CAP-RES-*: the first task fails when dispatched, and everything after it is skipped.
    expect(view.run.status).toBe('partial');
    expect(view.workflow_state.task_states.task_1.status).toBe('failed');
    const statuses = Object.values(view.workflow_state.task_states).map((t) => (t as { status: string }).status);
    expect(statuses.filter((x) => x === 'skipped')).toHaveLength(12);
    expect(view.workflow_state.failure_log[0]).toMatchObject({
      task_id: 'task_1',
      error_code: 'CAPABILITY_NOT_AVAILABLE',
    });
  });

  it('answers bad requests with coded JSON errors and the status for each code', async () => {
    const cases: Array<[ReturnType<typeof inject>, number, string]> = [
      [
        service.app.inject({
          method: 'POST',
          url: '/runs',
          payload: '{"plan": ',
          headers: { 'content-type': 'application/json' },
        }),
        400,
        'INVALID_INPUT',
      ],
      [inject('POST', '/runs', { plan: examplePlan(), specification: 'x' }), 400, 'INVALID_INPUT'],
      [inject('POST', '/runs', {}), 400, 'INVALID_INPUT'],
      [inject('POST', '/runs', { plan: { tasks: 'nope' } }), 400, 'INVALID_INPUT'],
      [inject('POST', '/runs', { plan: examplePlan(), run_id: 'first' }), 409, 'RUN_EXISTS'],
      [inject('GET', '/runs/nope'), 404, 'RUN_NOT_FOUND'],
      [inject('GET', '/runs/nope/events'), 404, 'RUN_NOT_FOUND'],
      [inject('POST', '/runs/first/cancel', {}), 409, 'RUN_ENDED'],
      [inject('POST', '/runs/first/resume'), 409, 'RUN_ENDED'],
      [inject('POST', '/runs/first/tasks/task_1/cancel', {}), 409, 'RUN_ENDED'],
      [inject('GET', '/runs/first/steps?after=-1'), 400, 'INVALID_INPUT'],
      [inject('GET', '/nowhere'), 404, 'NOT_FOUND'],
      [inject('POST', '/step', { message: 'not an object' }), 400, 'INVALID_INPUT'],
    ];
    for (const [pending, status, code] of cases) {
      const res = await pending;
      expect({ status: res.statusCode, code: res.json().error?.code }).toEqual({ status, code });
      expect(res.json().error.message).toMatch(/\S+ \S+/u); // a sentence, never a stack
      expect(res.body).not.toMatch(/at .*\.ts:\d+/u);
    }
  });

  it('publishes an OpenAPI document of its routes, with the zod schemas', async () => {
    const doc = (await inject('GET', '/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/runs',
        '/runs/{runId}',
        '/runs/{runId}/events',
        '/runs/{runId}/cancel',
        '/step',
        '/metrics',
      ]),
    );
    expect(doc.paths['/runs'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('plan');
  });
});

describe('the dispatch agent over HTTP', () => {
  it('answers exactly as step does: the plan, a callback with the state, a message step refuses', async () => {
    const post = async (body: object) => {
      const res = await inject('POST', '/step', body);
      expect(res.statusCode).toBe(200);
      return res.json() as StepResult;
    };
    const plan = examplePlan();
    const first = await post({ message: plan });
    expect(first).toEqual(JSON.parse(JSON.stringify(step(undefined, plan))));
    expect(dispatchedIds(first.messages)).toEqual(['task_1']);
    const callback = success(dispatchOf(first.messages, 'task_1'));
    const second = await post({ state: first.state, message: callback });
    expect(second).toEqual(JSON.parse(JSON.stringify(step(first.state, callback))));
    expect(second.state?.task_states.task_1.status).toBe('complete');
    const refused = await post({ message: { output: { content_type: 'nonsense' } } });
    expect(refused.messages[0].output.content_type).toBe('error');
    const strict = await post({ message: plan, options: { policy: 'dependency', max_attempts: 5 } });
    expect(strict).toEqual(JSON.parse(JSON.stringify(step(undefined, plan, { policy: 'dependency', maxAttempts: 5 }))));
  });
});

describe('metrics', () => {
  it('counts what the runs did and reads runs, runtimes and the bus when scraped', async () => {
    await runToEnd(examplePlan());
    await runToEnd(planWith({ task_2: '[throw-fatal]' }));
    const res = await inject('GET', '/metrics');
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    expect(text).toMatch(/^switchyard_runs\{status="complete"\} [1-9]/mu);
    expect(text).toMatch(/^switchyard_runs\{status="partial"\} [1-9]/mu);
    expect(text).toMatch(/^switchyard_run_events_total\{type="task_skipped"\} [1-9]/mu);
    expect(text).toMatch(
      /^switchyard_attempt_duration_seconds_count\{agent="execution_agent",outcome="error"\} [1-9]/mu,
    );
    expect(text).toMatch(/^switchyard_runtimes 2$/mu);
    expect(text).toMatch(/^switchyard_bus_messages\{counter="published"\} [1-9]/mu);
  });
});

describe('a bearer token', () => {
  let guarded: Service | undefined;
  afterEach(async () => {
    await guarded?.close();
    guarded = undefined;
  });

  it('refuses requests without it (401 UNAUTHENTICATED) but the health check, and takes those with it', async () => {
    const token = 'a-token-of-enough-length';
    guarded = await createService({ runtime: rt, token });
    const none = await guarded.app.inject({ method: 'GET', url: '/runs' });
    expect({ status: none.statusCode, code: none.json().error.code }).toEqual({ status: 401, code: 'UNAUTHENTICATED' });
    const wrong = await guarded.app.inject({
      method: 'GET',
      url: '/runs',
      headers: { authorization: 'Bearer not-it-at-all-no' },
    });
    expect(wrong.statusCode).toBe(401);
    const query = await guarded.app.inject({ method: 'GET', url: `/runs?token=${token}` });
    expect(query.statusCode).toBe(401); // never in a URL, where access logs keep it
    const right = await guarded.app.inject({
      method: 'GET',
      url: '/runs',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(right.statusCode).toBe(200);
    expect((await guarded.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    await expect(createService({ runtime: rt, token: 'short' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
