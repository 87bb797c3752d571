import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/index.js';
import { createService, type Service } from '../../src/server/service.js';
import { SqliteStore } from '../../src/sqlite.js';
import { examplePlan, planWith, TEST_AGENTS } from '../helpers/fixtures.js';

/*
 * The service over real HTTP: a run's steps arriving as Server-Sent Events while it runs, and
 * a live run steered (cancel, resume, cancel a task) — on worker threads and a SQLite file.
 * Nothing waits on a clock: the test agents' `[until-cancelled]` task runs until the test
 * cancels it.
 */

const quiet = pino({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'switchyard-service-live-'));
let rt: Runtime;
let service: Service;
let base: string;

beforeAll(async () => {
  rt = await createRuntime({ agents: [TEST_AGENTS], logger: quiet, store: SqliteStore.open(join(dir, 'runs.db')) });
  service = await createService({ runtime: rt });
  base = await service.listen({ port: 0 });
});
afterAll(async () => {
  await service.close();
  await rt.close({ cancel: true });
  rmSync(dir, { recursive: true, force: true });
});

interface Frame {
  readonly event: string;
  readonly id: number | undefined;
  readonly data: { seq?: number; events?: Array<{ type: string; task_id?: string }>; status?: string };
}

/** The frames of an event-stream text (comments skipped). */
function frames(text: string): Frame[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '' && !block.startsWith(':'))
    .map((block) => {
      const field = (name: string) =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${name}: `))
          ?.slice(name.length + 2);
      const id = field('id');
      return {
        event: field('event') ?? 'message',
        id: id === undefined ? undefined : Number(id),
        data: JSON.parse(field('data') ?? '{}'),
      };
    });
}

/** Reads an event stream, handing each frame to `onFrame`, until the server ends it. */
async function follow(
  url: string,
  onFrame: (frame: Frame) => void,
  headers: Record<string, string> = {},
): Promise<Frame[]> {
  const res = await fetch(url, { headers });
  expect(res.headers.get('content-type')).toContain('text/event-stream');
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  const all: Frame[] = [];
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    const cut = buffered.lastIndexOf('\n\n');
    if (cut < 0) continue;
    for (const frame of frames(buffered.slice(0, cut + 2))) {
      all.push(frame);
      onFrame(frame);
    }
    buffered = buffered.slice(cut + 2);
  }
  return all;
}

const post = (path: string, body: unknown = {}) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

/** The steps' sequence numbers follow on from each other: nothing missed, nothing twice. */
function expectContiguous(steps: Frame[], after = 0): void {
  let next = after + 1;
  for (const s of steps) {
    expect(s.data.seq).toBe(next);
    next = (s.id ?? 0) + 1;
  }
}

describe('a run as Server-Sent Events', () => {
  it('streams the steps of a live run as it takes them, while it is steered, and ends with its status', async () => {
    const created = await post('/runs', { plan: planWith({ task_3: '[until-cancelled]' }), run_id: 'live-1' });
    expect(created.status).toBe(201);
    let cancelled: Promise<Response> | undefined;
    const all = await follow(`${base}/runs/live-1/events`, (frame) => {
      const dispatched = frame.data.events?.some((e) => e.type === 'task_dispatched' && e.task_id === 'task_3');
      if (dispatched) cancelled = post('/runs/live-1/tasks/task_3/cancel', { reason: 'the test is done with it' });
    });
    expect((await cancelled)?.status).toBe(202);
    const steps = all.filter((f) => f.event === 'step');
    expectContiguous(steps);
    const types = steps.flatMap((s) => s.data.events ?? []).map((e) => e.type);
    expect(types[0]).toBe('plan_accepted');
    expect(types).toContain('task_cancelled');
    expect(types.at(-1)).toBe('run_completed');
    expect(all.at(-1)).toMatchObject({ event: 'end', data: { run_id: 'live-1', status: 'partial' } });
  });

  it('replays a recorded run from where a client asks (?after=, Last-Event-ID), then ends', async () => {
    expect((await post('/runs', { plan: examplePlan(), run_id: 'done-1' })).status).toBe(201);
    await rt.active().find((r) => r.id === 'done-1')?.result;
    await rt.bus.flush();
    const whole = await follow(`${base}/runs/done-1/events`, () => {});
    const steps = whole.filter((f) => f.event === 'step');
    expectContiguous(steps);
    expect(whole.at(-1)).toMatchObject({ event: 'end', data: { status: 'complete' } });
    const from = steps[2].id ?? 0;
    const rest = await follow(`${base}/runs/done-1/events?after=${from}`, () => {});
    expectContiguous(
      rest.filter((f) => f.event === 'step'),
      from,
    );
    const resumed = await follow(`${base}/runs/done-1/events`, () => {}, { 'last-event-id': String(from) });
    expect(resumed.map((f) => f.id)).toEqual(rest.map((f) => f.id));
  });
});

describe('steering a live run over HTTP', () => {
  it('cancels a run, resumes it from its journal, and finishes it by cancelling its last task', async () => {
    expect((await post('/runs', { plan: planWith({ task_3: '[until-cancelled]' }), run_id: 'steer-1' })).status).toBe(
      201,
    );
    const run = rt.active().find((r) => r.id === 'steer-1');
    await new Promise<void>((resolve) =>
      run?.on('dispatch', (m) => m.output.content.dispatch.task_id === 'task_3' && resolve()),
    );
    expect((await post('/runs/steer-1/cancel', { reason: 'pause' })).status).toBe(202);
    await expect(run?.result).rejects.toMatchObject({ code: 'CLOSED' }); // a cancelled run's result

    await rt.bus.flush();
    const paused = (await (await fetch(`${base}/runs/steer-1`)).json()) as { run: { status: string } };
    expect(paused.run.status).toBe('cancelled');
    const resumed = await post('/runs/steer-1/resume');
    expect(resumed.status).toBe(202);
    const again = rt.active().find((r) => r.id === 'steer-1');
    await new Promise<void>((resolve) => {
      if (again?.state().task_states.task_3.status === 'in_progress') resolve();
      else again?.on('dispatch', (m) => m.output.content.dispatch.task_id === 'task_3' && resolve());
    });
    expect((await post('/runs/steer-1/tasks/task_3/cancel')).status).toBe(202);
    expect((await again?.result)?.status).toBe('partial');
    const unknownTask = await post('/runs/steer-1/tasks/task_99/cancel');
    expect(unknownTask.status).toBe(409); // the run has ended
  });
});
