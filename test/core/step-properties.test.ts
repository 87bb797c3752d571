import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DispatchState, type OutputMessage, step, type TaskDispatchMessage } from '../../src/index.js';
import { dispatches, failure, success } from '../helpers/runs.js';
import { planOf, randomDag, type RandomPlan as Plan } from '../helpers/plans.js';

type Choice = 'ok' | 'retry' | 'fatal' | 'duplicate';

const terminal = (s: string) => s === 'complete' || s === 'failed' || s === 'skipped';

/** Drives a run to its end with random outcomes and delivery order, checking seed 003's invariants after every step. */
function drive(p: Plan, policy: 'strict' | 'dependency', tape: readonly number[]): DispatchState {
  let t = 0;
  // The tape drives every choice; adding the position keeps a short tape from repeating one choice forever.
  const next = (n: number) => ((tape.length === 0 ? 0 : tape[t % tape.length]) + t++) % n;
  const choices: Choice[] = ['ok', 'ok', 'ok', 'retry', 'fatal', 'duplicate'];
  const live = new Map<string, TaskDispatchMessage>();
  const delivered: unknown[] = [];
  let completions = 0;
  let now = 0;
  const options = { policy, clock: () => now };

  const check = (before: DispatchState | undefined, after: DispatchState, messages: readonly OutputMessage[]) => {
    for (const m of dispatches(messages)) {
      const d = m.output.content.dispatch;
      const deps = p.deps.get(d.task_id)!;
      if (p.fusion.has(d.task_id)) {
        expect(deps.every((x) => terminal(after.task_states[x].status))).toBe(true);
        expect(deps.some((x) => after.task_states[x].status === 'complete')).toBe(true);
      } else {
        expect(deps.every((x) => after.task_states[x].status === 'complete')).toBe(true);
      }
      expect(d.input_refs_resolved.every((r) => r.status !== 'pending' && r.storage_uri !== null)).toBe(true);
      if (policy === 'strict') {
        for (const [id, g] of p.group)
          if (g < p.group.get(d.task_id)!) expect(terminal(after.task_states[id].status)).toBe(true);
      }
      expect(live.has(d.task_id)).toBe(false);
      expect(d.attempt).toBe((before?.task_states[d.task_id]?.attempts ?? 0) + 1);
      expect(d.attempt).toBeLessThanOrEqual(3);
      live.set(d.task_id, m);
    }
    for (const m of messages) {
      if (m.output.content_type !== 'workflow_complete') continue;
      completions++;
      expect(live.size).toBe(0);
    }
    expect(completions).toBeLessThanOrEqual(1);
  };

  let { state, messages } = step(undefined, p.plan, options);
  check(undefined, state!, messages);
  for (let guard = 0; completions === 0; guard++) {
    expect(guard).toBeLessThan(10_000);
    now += 1000;
    const choice = choices[next(choices.length)];
    if (choice === 'duplicate' && delivered.length > 0 && guard % 2 === 0) {
      const again = step(state, delivered[next(delivered.length)], options);
      expect(again.state).toBe(state);
      expect(again.messages.map((m) => m.error?.code)).toEqual(['STALE_RESULT']);
      continue;
    }
    const ids = [...live.keys()];
    expect(ids.length).toBeGreaterThan(0);
    const id = ids[next(ids.length)];
    const dispatch = live.get(id)!;
    live.delete(id);
    const input = choice === 'ok' || choice === 'duplicate' ? success(dispatch) : failure(dispatch, choice === 'retry');
    delivered.push(input);
    const before = state;
    ({ state, messages } = step(state, input, options));
    check(before, state!, messages);
  }
  const after = step(state, delivered[0], options);
  expect(after.messages.map((m) => m.error?.code)).toEqual(['STALE_RESULT']);
  return state!;
}

describe('step over random workflows, outcomes and delivery orders', () => {
  it('keeps every seed 003 invariant and skips exactly the transitive dependents of failures', () => {
    fc.assert(
      fc.property(
        randomDag(14),
        fc.constantFrom('strict' as const, 'dependency' as const),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 60 }),
        (dag, policy, groups, tape) => {
          const p = planOf(dag, 0, groups);
          const state = drive(p, policy, tape);
          const status = (id: string) => state.task_states[id].status;
          expect(['complete', 'partial']).toContain(state.switchyard.run.status);
          const doomed = new Set<string>();
          for (const r of [...Array(dag.n).keys()]) {
            const id = dag.ids[r];
            if (p.deps.get(id)!.some((d) => status(d) === 'failed' || doomed.has(d))) doomed.add(id);
          }
          for (const id of dag.ids) {
            if (doomed.has(id)) expect(status(id)).toBe('skipped');
            else expect(['complete', 'failed']).toContain(status(id));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('runs fusion tasks on partial input only once every dependency is terminal', () => {
    fc.assert(
      fc.property(
        randomDag(14),
        fc.constantFrom('strict' as const, 'dependency' as const),
        fc.array(fc.nat(), { maxLength: 60 }),
        (dag, policy, tape) => {
          const p = planOf(dag, 3, false);
          const state = drive(p, policy, tape);
          for (const id of p.fusion) {
            const deps = p.deps.get(id)!;
            const anyComplete = deps.some((d) => state.task_states[d].status === 'complete');
            if (!anyComplete) expect(state.task_states[id].status).toBe('skipped');
            else expect(['complete', 'failed']).toContain(state.task_states[id].status);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('gives byte-identical output for the same message sequence', () => {
    fc.assert(
      fc.property(randomDag(10), fc.array(fc.nat(), { maxLength: 40 }), (dag, tape) => {
        const p = planOf(dag, 3, false);
        const once = JSON.stringify(drive(p, 'strict', tape));
        const twice = JSON.stringify(drive(p, 'strict', tape));
        expect(twice).toBe(once);
      }),
      { numRuns: 30 },
    );
  });
});
