import { afterEach, describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { type BusMessage, InProcessBus, subjects, type TriggerAgent } from '../../src/index.js';
import { task, workflow } from '../helpers/plans.js';
import { supervisedRun } from '../helpers/supervised-run.js';

const s = subjects();
const AT = '2026-02-21T10:00:00Z';

/** A scripted dispatcher: accepts every trigger on runtime `rt` and hands it to `seen`. */
function dispatcher(bus: InProcessBus, seen: (t: TriggerAgent) => void) {
  bus.subscribe(s.patterns.triggers(), (m: BusMessage) => {
    const triggers = (m.data as { triggers: TriggerAgent[] }).triggers;
    bus.respond(m, {
      type: 'TriggerBatchReply',
      replies: triggers.map((t) => ({ type: 'TriggerAccepted', request_id: t.request_id, runtime_id: 'rt', at: AT })),
    });
    for (const t of triggers) seen(t);
  });
}

const complete = (t: TriggerAgent) => ({
  type: 'AgentExecutionResult',
  request_id: t.request_id,
  workflow_id: t.workflow_id,
  task_id: t.task_id,
  attempt: t.attempt,
  runtime_id: 'rt',
  outcome: { status: 'complete' },
  at: AT,
});

/** Resolves with the first trigger `seen` gets. */
function nextTrigger(seen: TriggerAgent[]): Promise<TriggerAgent> {
  return new Promise((resolve) => {
    const check = () => (seen.length > 0 ? resolve(seen.shift()!) : setImmediate(check));
    check();
  });
}

describe('the run’s supervisor as an XState actor', () => {
  let bus: InProcessBus;
  afterEach(async () => bus.close());

  it('goes starting → running → complete, with its task counts in the snapshot, and tells subscribers', async () => {
    bus = new InProcessBus();
    const seen: TriggerAgent[] = [];
    dispatcher(bus, (t) => seen.push(t));
    const run = supervisedRun(bus, workflow([task('a'), task('b', ['a'])]));
    const states: string[] = [];
    let completed = false;
    run.actor.subscribe({ next: (snap) => states.push(String(snap.value)), complete: () => (completed = true) });
    expect(run.actor.getSnapshot().value).toBe('starting');
    expect(run.actor.getSnapshot().context.progress).toMatchObject({ total: 2, completed: 0, pending: 2 });
    run.start();
    bus.publish(s.result('x'), complete(await nextTrigger(seen)));
    const first = await nextTrigger(seen);
    expect(run.actor.getSnapshot().value).toBe('running');
    expect(run.actor.getSnapshot().context.progress).toMatchObject({ completed: 1, in_progress: 1 });
    bus.publish(s.result(first.request_id), complete(first));
    const result = await run.result;
    expect(result.status).toBe('complete');
    expect(run.actor.getSnapshot().value).toBe('complete');
    expect(run.actor.getSnapshot().status).toBe('done');
    expect(run.actor.getSnapshot().context.progress).toMatchObject({ total: 2, completed: 2, in_progress: 0 });
    expect(states[0]).toBe('running');
    expect(states.at(-1)).toBe('complete');
    expect(completed).toBe(true);
  });

  it('cancels the run on a cancel command sent to its actor', async () => {
    bus = new InProcessBus();
    const seen: TriggerAgent[] = [];
    dispatcher(bus, (t) => seen.push(t));
    const run = supervisedRun(bus, workflow([task('a')])).start();
    await nextTrigger(seen);
    run.actor.send({ type: 'cancel', reason: 'an operator asked' });
    const error: unknown = await run.result.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'CLOSED', message: expect.stringContaining('an operator asked') });
    expect(run.ended).toBe(true);
    expect(run.actor.getSnapshot()).toMatchObject({ value: 'cancelled', context: { reason: 'an operator asked' } });
  });

  it('ignores deliveries forged by code that holds its actor: only the run sends itself results', async () => {
    bus = new InProcessBus();
    const seen: TriggerAgent[] = [];
    dispatcher(bus, (t) => seen.push(t));
    const run = supervisedRun(bus, workflow([task('a')])).start();
    const trigger = await nextTrigger(seen);
    const forged = { subject: s.result(trigger.request_id), data: complete(trigger) } as unknown as BusMessage;
    // What the run sends itself, without its private mark: refused by the machine's guard.
    (run.actor.send as (e: unknown) => void)({ type: 'inbox', kind: 'result', message: forged });
    (run.actor.send as (e: unknown) => void)({ type: 'begin' });
    expect(run.ended).toBe(false);
    expect(run.actor.getSnapshot().context.progress).toMatchObject({ completed: 0, in_progress: 1 });
    bus.publish(s.result(trigger.request_id), complete(trigger));
    expect((await run.result).status).toBe('complete');
  });

  it('is the parent of the task actors under the inspector', async () => {
    bus = new InProcessBus();
    const seen: TriggerAgent[] = [];
    dispatcher(bus, (t) => seen.push(t));
    const inspected: InspectionEvent[] = [];
    const run = supervisedRun(bus, workflow([task('a'), task('b')]), { inspect: (e) => inspected.push(e) }).start();
    for (let i = 0; i < 2; i++) {
      const t = await nextTrigger(seen);
      bus.publish(s.result(t.request_id), complete(t));
    }
    await run.result;
    const registered = inspected.filter((e) => e.type === '@xstate.actor');
    const ids = registered.map((e) => (e.actorRef as unknown as { id: string }).id);
    expect(ids).toEqual(['r1', 'a', 'b']);
    const parent = (ref: unknown) => (ref as { _parent?: { id: string } })._parent?.id;
    expect(registered.slice(1).map((e) => parent(e.actorRef))).toEqual(['r1', 'r1']);
  });
});
