import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WorkflowRun } from '../../src/actors/workflow-run.js';
import { compilePlan } from '../../src/core/compiled-plan.js';
import { resolveOptions } from '../../src/core/options.js';
import { readPlan } from '../../src/graph/plan-input.js';
import { type BusMessage, InProcessBus, subjects, type TriggerAgent } from '../../src/index.js';
import { vet } from '../../src/protocol/vetted.js';
import { task, workflow } from '../helpers/plans.js';

const s = subjects();
const AT = '2026-02-21T10:00:00Z';

function runOf(
  bus: InProcessBus,
  wf: Record<string, unknown>,
  overrides: { taskTimeoutMs?: number; maxConcurrentTasks?: number } = {},
) {
  const options = resolveOptions({});
  const input = readPlan(wf);
  if (!options.ok || !input.ok) throw new Error('bad fixture');
  const plan = compilePlan(input.value, options.value);
  if (!plan.ok) throw plan.error;
  return new WorkflowRun(plan.value, {
    runId: 'r1',
    bus,
    subjects: s,
    logger: pino({ level: 'silent' }),
    clock: Date.now,
    options: options.value,
    maxConcurrentTasks: overrides.maxConcurrentTasks ?? 8,
    taskTimeoutMs: overrides.taskTimeoutMs ?? 60_000,
    resultGraceMs: 10,
  });
}

/** A scripted dispatcher: takes every batch, accepts each trigger (on `runtimeId`, or queued when null), and hands them to `seen`. */
function dispatcher(
  bus: InProcessBus,
  runtimeId: string | null,
  seen: (t: TriggerAgent) => void,
  extra: { rounds_ahead?: number } = {},
) {
  bus.subscribe(s.patterns.triggers(), (m: BusMessage) => {
    const triggers = (m.data as { triggers: TriggerAgent[] }).triggers;
    bus.respond(m, {
      type: 'TriggerBatchReply',
      replies: triggers.map((t) => ({
        type: 'TriggerAccepted',
        request_id: t.request_id,
        runtime_id: runtimeId,
        ...extra,
        at: AT,
      })),
    });
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

describe('WorkflowRun (supervisor actor) against a scripted dispatcher', () => {
  let bus: InProcessBus;
  afterEach(async () => bus.close());

  it('starts an attempt’s deadline only once a queued trigger is placed on a runtime', async () => {
    bus = new InProcessBus();
    const triggers: TriggerAgent[] = [];
    dispatcher(bus, null, (t) => triggers.push(t));
    const run = runOf(bus, workflow([task('a')]), { taskTimeoutMs: 30 }).start();
    await new Promise((r) => setTimeout(r, 150));
    expect(run.ended).toBe(false);
    // Vetted: a run believes placements only from its own process's dispatcher.
    bus.publish(
      s.placed(triggers[0].request_id),
      vet({ type: 'TriggerPlaced', request_id: triggers[0].request_id, runtime_id: 'rt', at: AT }),
    );
    bus.publish(s.result(triggers[0].request_id), complete(triggers[0]));
    expect((await run.result).status).toBe('complete');
    expect(triggers).toHaveLength(1);
  });

  it('counts a placed attempt whose result never comes as RESULT_LOST and retries it', async () => {
    bus = new InProcessBus();
    const triggers: TriggerAgent[] = [];
    dispatcher(bus, 'rt', (t) => {
      triggers.push(t);
      if (t.attempt === 2) bus.publish(s.result(t.request_id), complete(t));
    });
    const run = runOf(bus, workflow([task('a')]), { taskTimeoutMs: 20 }).start();
    expect((await run.result).task_results.a).toEqual({ status: 'complete', attempts: 2 });
    expect(run.state().failure_log[0]).toMatchObject({ error_code: 'RESULT_LOST', recoverable: true });
  });

  // Deadline 100 ms + grace 10 ms; held behind 9 rounds: lost only after 10 × 110 ms, so a result 250 ms on is in time
  // (unscaled, it would be lost at 110 ms and retried).
  it.each([
    ["in the dispatcher's answer", 'rt', { rounds_ahead: 9 }, false],
    ['in a later placement (moved by work stealing)', 'rt-a', {}, true],
  ] as const)(
    "gives an attempt held behind rounds of its runtime's running ones that many deadlines more: rounds %s",
    async (_, runtimeId, extra, moved) => {
      bus = new InProcessBus();
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
          setTimeout(() => bus.publish(s.result(t.request_id), complete(t, moved ? 'rt-b' : runtimeId)), 250);
        },
        extra,
      );
      const run = runOf(bus, workflow([task('a')]), { taskTimeoutMs: 100 }).start();
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
    const run = runOf(bus, wf, { maxConcurrentTasks: 1 }).start();
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
});
