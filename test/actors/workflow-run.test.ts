import { afterEach, describe, expect, it } from 'vitest';
import type { SupervisorOptions } from '../../src/actors/supervisor-options.js';
import { SimulatedScheduler } from '../../src/core/scheduler.js';
import { type Bus, type BusMessage, InProcessBus, subjects, type TriggerAgent } from '../../src/index.js';
import { vet } from '../../src/protocol/vetted.js';
import { networkLike } from '../helpers/network-like-bus.js';
import { task, workflow } from '../helpers/plans.js';
import { supervisedRun } from '../helpers/supervised-run.js';

const s = subjects();
const AT = '2026-02-21T10:00:00Z';

const runOf = (
  bus: Bus,
  scheduler: SimulatedScheduler,
  wf: Record<string, unknown>,
  overrides: Partial<SupervisorOptions> = {},
) => supervisedRun(bus, wf, { scheduler, ...overrides });

/** A scripted dispatcher: takes every batch, answers it with `reply` (by default accepts each trigger on `runtimeId`, or queued when null), and hands the triggers to `seen`. */
function dispatcher(
  bus: InProcessBus,
  runtimeId: string | null,
  seen: (t: TriggerAgent) => void,
  extra: { rounds_ahead?: number } = {},
  reply?: (triggers: TriggerAgent[]) => unknown,
) {
  bus.subscribe(s.patterns.triggers(), (m: BusMessage) => {
    const triggers = (m.data as { triggers: TriggerAgent[] }).triggers;
    bus.respond(
      m,
      reply
        ? reply(triggers)
        : {
            type: 'TriggerBatchReply',
            replies: triggers.map((t) => ({
              type: 'TriggerAccepted',
              request_id: t.request_id,
              runtime_id: runtimeId,
              ...extra,
              at: AT,
            })),
          },
    );
    for (const t of triggers) seen(t);
  });
}

const complete = (t: TriggerAgent, runtimeId = 'rt') => ({
  type: 'AgentExecutionResult',
  request_id: t.request_id,
  workflow_id: t.workflow_id,
  task_id: t.task_id,
  attempt: t.attempt,
  runtime_id: runtimeId,
  outcome: { status: 'complete' },
  at: AT,
});

/** Lets the run's first attempts go out and the bus deliver the dispatcher's answers; simulated time stands still. */
async function settle(bus: InProcessBus): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setImmediate(r));
    await bus.flush();
  }
}

describe('WorkflowRun (supervisor actor) against a scripted dispatcher', () => {
  let bus: InProcessBus;
  afterEach(async () => bus.close());

  it('starts an attempt’s deadline only once a queued trigger is placed on a runtime', async () => {
    bus = new InProcessBus();
    const time = new SimulatedScheduler(0);
    const triggers: TriggerAgent[] = [];
    dispatcher(bus, null, (t) => triggers.push(t));
    const run = runOf(bus, time, workflow([task('a')]), { taskTimeoutMs: 30 }).start();
    await settle(bus);
    expect(triggers).toHaveLength(1);
    // Queued: no deadline runs, however long it waits.
    expect(time.pending).toBe(0);
    await time.advanceAsync(10_000);
    expect(run.ended).toBe(false);
    // Vetted: a run believes placements only from its own process's dispatcher.
    bus.publish(
      s.placed(triggers[0].request_id),
      vet({ type: 'TriggerPlaced', request_id: triggers[0].request_id, runtime_id: 'rt', at: AT }),
    );
    await bus.flush();
    expect(time.nextDue).toBe(10_000 + 30 + 10);
    bus.publish(s.result(triggers[0].request_id), complete(triggers[0]));
    expect((await run.result).status).toBe('complete');
    expect(triggers).toHaveLength(1);
  });

  it('counts a placed attempt whose result never comes as RESULT_LOST exactly at its deadline, cancels it and retries it', async () => {
    bus = new InProcessBus();
    const time = new SimulatedScheduler(0);
    const triggers: TriggerAgent[] = [];
    const cancels: unknown[] = [];
    bus.subscribe(s.cancel('rt'), (m) => void cancels.push(m.data));
    dispatcher(bus, 'rt', (t) => {
      triggers.push(t);
      if (t.attempt === 2) bus.publish(s.result(t.request_id), complete(t));
    });
    const run = runOf(bus, time, workflow([task('a')]), { taskTimeoutMs: 20, resultGraceMs: 0 }).start();
    await settle(bus);
    await time.advanceAsync(19);
    expect(triggers).toHaveLength(1);
    expect(run.state().failure_log).toHaveLength(0);
    await time.advanceAsync(1);
    await settle(bus);
    expect(cancels).toEqual([{ type: 'CancelAttempt', request_id: triggers[0].request_id }]);
    expect(triggers.map((t) => t.attempt)).toEqual([1, 2]);
    expect((await run.result).task_results.a).toEqual({ status: 'complete', attempts: 2 });
    expect(run.state().failure_log[0]).toMatchObject({ error_code: 'RESULT_LOST', recoverable: true });
  });

  it('waits the result grace beyond taskTimeoutMs before an attempt counts as lost', async () => {
    bus = new InProcessBus();
    const time = new SimulatedScheduler(0);
    dispatcher(bus, 'rt', () => undefined);
    const run = runOf(bus, time, workflow([task('a')]), { taskTimeoutMs: 500, resultGraceMs: 250 }).start();
    await settle(bus);
    await time.advanceAsync(749);
    expect(run.state().failure_log).toHaveLength(0);
    await time.advanceAsync(1);
    expect(run.state().failure_log[0]).toMatchObject({ error_code: 'RESULT_LOST' });
    run.cancel('test over');
  });

  // Deadline 100 ms + grace 10 ms; held behind 9 rounds: lost only after 10 × 110 ms, so a result 1099 ms on is in time
  // (unscaled, it would be lost at 110 ms and retried).
  it.each([
    ["in the dispatcher's answer", 'rt', { rounds_ahead: 9 }, false],
    ['in a later placement (moved by work stealing)', 'rt-a', {}, true],
  ] as const)(
    "gives an attempt held behind rounds of its runtime's running ones that many deadlines more: rounds %s",
    async (_, runtimeId, extra, moved) => {
      bus = new InProcessBus();
      const time = new SimulatedScheduler(0);
      const triggers: TriggerAgent[] = [];
      dispatcher(
        bus,
        runtimeId,
        (t) => {
          triggers.push(t);
          if (moved)
            bus.publish(
              s.placed(t.request_id),
              vet({ type: 'TriggerPlaced', request_id: t.request_id, runtime_id: 'rt-b', rounds_ahead: 9, at: AT }),
            );
        },
        extra,
      );
      const run = runOf(bus, time, workflow([task('a')]), { taskTimeoutMs: 100 }).start();
      await settle(bus);
      expect(time.nextDue).toBe(1100);
      await time.advanceAsync(1099);
      expect(run.state().failure_log).toHaveLength(0);
      bus.publish(s.result(triggers[0].request_id), complete(triggers[0], moved ? 'rt-b' : runtimeId));
      expect((await run.result).task_results.a).toEqual({ status: 'complete', attempts: 1 });
      expect(triggers).toHaveLength(1);
    },
  );

  it('keeps at most maxConcurrentTasks attempts out, longest remaining path first', async () => {
    bus = new InProcessBus();
    const order: string[] = [];
    const out: TriggerAgent[] = [];
    dispatcher(bus, 'rt', (t) => {
      order.push(t.task_id);
      out.push(t);
    });
    const wf = workflow([
      task('short'),
      task('long'),
      task('long2', ['long'], { estimated_weight: 'heavy' }),
      task('mid'),
      task('mid2', ['mid']),
    ]);
    const run = runOf(bus, new SimulatedScheduler(0), wf, { maxConcurrentTasks: 1 }).start();
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      await bus.flush();
      expect(out).toHaveLength(1);
      bus.publish(s.result(out[0].request_id), complete(out.shift()!));
    }
    expect((await run.result).status).toBe('complete');
    // Strict barrier: group 1 (long, mid, short by remaining weight), then group 2.
    expect(order).toEqual(['long', 'mid', 'short', 'long2', 'mid2']);
  });

  it.each([
    ['replies that are not a list', () => ({ type: 'TriggerBatchReply', replies: 'nope' }), 'PROCESSING_ERROR'],
    ['no replies for a batch of one', () => ({ type: 'TriggerBatchReply', replies: [] }), 'PROCESSING_ERROR'],
    ['a reply of another type', () => ({ type: 'TriggersAccepted', runtime_id: 'rt', count: 1 }), 'PROCESSING_ERROR'],
    ['nothing at all', () => null, 'PROCESSING_ERROR'],
    [
      'an Error reply',
      () => ({ type: 'Error', code: 'CAPABILITY_NOT_AVAILABLE', message: 'no runtime serves it' }),
      'CAPABILITY_NOT_AVAILABLE',
    ],
    [
      'an answer naming another trigger',
      (triggers: TriggerAgent[]) => ({
        type: 'TriggerBatchReply',
        replies: triggers.map((t) => ({
          type: 'TriggerAccepted',
          request_id: `${t.request_id}x`,
          runtime_id: 'rt',
          at: AT,
        })),
      }),
      'PROCESSING_ERROR',
    ],
  ] as const)(
    'fails the attempt with a code, and does not crash, when the dispatcher answers with %s',
    async (_, reply, code) => {
      bus = new InProcessBus();
      const time = new SimulatedScheduler(0);
      dispatcher(
        bus,
        'rt',
        () => undefined,
        {},
        (triggers) => reply(triggers) ?? null,
      );
      const run = runOf(bus, time, workflow([task('a'), task('b', ['a'])])).start();
      const result = await run.result;
      expect(result.task_results.a).toMatchObject({ status: 'failed', attempts: 1 });
      expect(run.state().failure_log).toEqual([
        expect.objectContaining({ task_id: 'a', error_code: code, recoverable: false }),
      ]);
      expect(result.task_results.b?.status).toBe('skipped');
      // Nothing is left waiting: the failed attempt's deadline went with it.
      expect(time.pending).toBe(0);
    },
  );
});

describe('WorkflowRun sending triggers over a network bus', () => {
  let inner: InProcessBus;
  afterEach(async () => inner.close());

  /** A network-like bus that notes the simulated time of every trigger request. */
  function noting(time: SimulatedScheduler, sent: number[]): Bus {
    const bus = networkLike(inner);
    return {
      ...bus,
      request: (subject, data, options) => {
        if (subject.includes('.trigger.')) sent.push(time.now());
        return bus.request(subject, data, options);
      },
    };
  }

  it('sends a trigger nobody answered again 100, 200, 400, 800, 1600, 3200 and then every 5000 ms', async () => {
    inner = new InProcessBus();
    const time = new SimulatedScheduler(0);
    const sent: number[] = [];
    const run = runOf(noting(time, sent), time, workflow([task('a')]), { triggerRetryMs: 60_000 }).start();
    await settle(inner);
    while (sent.length < 9 && (await time.runNext()));
    expect(sent).toEqual([0, 100, 300, 700, 1500, 3100, 6300, 11_300, 16_300]);
    // The dispatcher is back: the next resend reaches it and the run goes on.
    const triggers: TriggerAgent[] = [];
    dispatcher(inner, 'rt', (t) => {
      triggers.push(t);
      inner.publish(s.result(t.request_id), complete(t));
    });
    await time.runNext();
    expect(sent.at(-1)).toBe(21_300);
    expect((await run.result).status).toBe('complete');
    expect(triggers).toHaveLength(1);
  });

  it('gives up once the next resend would come after triggerRetryMs, failing the attempt with the bus’s code', async () => {
    inner = new InProcessBus();
    const time = new SimulatedScheduler(0);
    const sent: number[] = [];
    const run = runOf(noting(time, sent), time, workflow([task('a')]), { triggerRetryMs: 1000 }).start();
    await settle(inner);
    while (await time.runNext());
    // 700 + 800 > 1000: no fifth send.
    expect(sent).toEqual([0, 100, 300, 700]);
    expect((await run.result).task_results.a).toMatchObject({ status: 'failed', attempts: 1 });
    expect(run.state().failure_log).toEqual([
      expect.objectContaining({ error_code: 'NO_RESPONDERS', recoverable: false }),
    ]);
  });
});
