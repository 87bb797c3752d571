import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createActor, type InspectionEvent } from 'xstate';
import { ActorTaskEngine } from '../../src/actors/actor-task-engine.js';
import { type SupervisorDriver, supervisorMachine } from '../../src/actors/supervisor-machine.js';
import type { CompiledPlan } from '../../src/core/compiled-plan.js';
import { compilePlan } from '../../src/core/compiled-plan.js';
import { DispatchCore, type Outcome } from '../../src/core/dispatch-core.js';
import { resolveOptions } from '../../src/core/options.js';
import { planBlock, restore, snapshot } from '../../src/core/state-codec.js';
import { dagTasks, randomDag, type RandomDag } from '../helpers/plans.js';

/** A supervisor whose driver does nothing: these tests drive the core by hand and need only its task children. */
const idle: SupervisorDriver = {
  begin: () => undefined,
  deliver: () => undefined,
  lost: () => undefined,
  cancel: () => undefined,
  cancelTask: () => undefined,
  due: () => undefined,
  progress: () => ({ total: 0, completed: 0, in_progress: 0, pending: 0, failed: 0, skipped: 0 }),
};

/** The engine on the task children of a supervisor actor, as a run under `inspect` builds it. */
function supervised(plan: CompiledPlan, maxAttempts: number, inspect: (e: InspectionEvent) => void = () => undefined) {
  const supervisor = createActor(supervisorMachine(idle), {
    id: 'run-1',
    input: { runId: 'run-1', taskIds: plan.ids, maxAttempts, inspect: true },
    inspect,
  }).start();
  return { supervisor, engine: (c: DispatchCore) => new ActorTaskEngine(c, supervisor.getSnapshot().context.tasks) };
}

type Trace = Array<[task: number, event: string, from: number, to: number]>;

function compiled(dag: RandomDag) {
  const options = resolveOptions({});
  if (!options.ok) throw options.error;
  const tasks = dagTasks(dag).map((t, i) => ({ ...t, capability_ids: [i % 4 === 3 ? 'CAP-SYN-001' : 'CAP-PRE-001'] }));
  const plan = compilePlan({ tasks: tasks as never, refs: [] }, options.value);
  if (!plan.ok) throw plan.error;
  return { plan: plan.value, options: options.value };
}

/**
 * Answers attempts in release order with outcomes from the tape, from answer `from` on, until
 * `until` answers have been given (a crash) or the run ends; returns the attempts still out.
 */
function answer(
  core: DispatchCore,
  tape: readonly number[],
  queue = core.drain(),
  from = 0,
  until = Number.POSITIVE_INFINITY,
) {
  for (let i = from; queue.length > 0 && i < until; i++) {
    const record = queue.shift()!;
    core.now = i + 1;
    const pick = tape.length === 0 ? 0 : (tape[i % tape.length] + i) % 5;
    const outcome: Outcome =
      pick < 3
        ? { ok: true, produced: [], summary: `done ${i}` }
        : { ok: false, recoverable: pick === 3, code: 'X', message: `failed ${i}` };
    core.result(record.task, outcome);
    queue.push(...core.drain());
  }
  return queue;
}

const fieldsOf = (core: DispatchCore) =>
  Array.from({ length: core.plan.n }, (_, v) => [
    core.status[v],
    core.attempts[v],
    core.dispatchedAt[v],
    core.completedAt[v],
    core.assigned[v],
    core.summary[v],
  ]);

/** Runs a random workflow through a core, answering attempts in release order with outcomes from the tape. */
function run(dag: RandomDag, tape: readonly number[], withActors: boolean, inspected: InspectionEvent[] = []) {
  const { plan, options } = compiled(dag);
  const trace: Trace = [];
  const actors = withActors ? supervised(plan, options.maxAttempts, (e) => inspected.push(e)) : undefined;
  const core = new DispatchCore(plan, options, {
    onTransition: (v, e, from, to) => trace.push([v, e.type, from, to]),
    ...(actors ? { engine: actors.engine } : {}),
  });
  core.now = 0;
  core.begin();
  answer(core, tape);
  actors?.supervisor.stop();
  return { trace, fields: fieldsOf(core), status: core.runStatus };
}

describe('ActorTaskEngine (inspector mode)', () => {
  it('produces exactly the transitions and task fields of the compact table, on random workflows', () => {
    fc.assert(
      fc.property(randomDag(12), fc.array(fc.nat(), { maxLength: 30 }), (dag, tape) => {
        const table = run(dag, tape, false);
        const actors = run(dag, tape, true);
        expect(actors.trace).toEqual(table.trace);
        expect(actors.fields).toEqual(table.fields);
        expect(actors.status).toBe(table.status);
      }),
      { numRuns: 60 },
    );
  });

  it('shows a supervisor actor with one child actor per task to the inspector', () => {
    const inspected: InspectionEvent[] = [];
    run(
      { n: 3, edges: [[0, 1]], ids: ['a', 'b', 'c'], listing: [0, 1, 2], weights: ['light', 'light', 'light'] },
      [0],
      true,
      inspected,
    );
    const actors = inspected
      .filter((e) => e.type === '@xstate.actor')
      .map((e) => (e.actorRef as unknown as { id: string }).id);
    expect(actors).toEqual(['run-1', 'a', 'b', 'c']);
    const events = inspected
      .filter((e) => e.type === '@xstate.event' && (e.actorRef as unknown as { id: string }).id === 'a')
      .map((e) => (e as { event: { type: string } }).event.type);
    expect(events).toEqual(['xstate.init', 'READY', 'DISPATCH', 'SUCCEED']);
  });

  it('takes up a restored run: every task actor catches up with the recorded state, and the run goes on as it would have', () => {
    fc.assert(
      fc.property(randomDag(12), fc.array(fc.nat(), { maxLength: 30 }), fc.nat(40), (dag, tape, cut) => {
        const { plan, options } = compiled(dag);
        const live = new DispatchCore(plan, options);
        live.now = 0;
        live.begin();
        const out = answer(live, tape, live.drain(), 0, cut);
        const saved = JSON.parse(
          JSON.stringify(snapshot(live, { sequence: 4, offsetMinutes: 0 }, planBlock(plan.input, plan.tasks, options))),
        ) as unknown;
        const actors = supervised(plan, options.maxAttempts);
        const restored = restore(saved, { engine: actors.engine });
        if (!restored.ok) throw restored.error;
        const core = restored.value.core;
        // sync() checked each actor against the core; the core itself is as it was.
        expect(fieldsOf(core)).toEqual(fieldsOf(live));
        // The rest of the run, on the actors, ends as the uninterrupted run does.
        const pending = out.map((d) => ({ ...d }));
        answer(live, tape, out, cut);
        answer(core, tape, pending, cut);
        actors.supervisor.stop();
        expect(fieldsOf(core)).toEqual(fieldsOf(live));
        expect(core.runStatus).toBe(live.runStatus);
      }),
      { numRuns: 60 },
    );
  });
});
