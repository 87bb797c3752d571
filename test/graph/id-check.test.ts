import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ExecutionGraph, step } from '../../src/index.js';
import { examplePlan } from '../helpers/fixtures.js';
import { task, workflow } from '../helpers/plans.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- plan JSON edited in place

function refusal(plan: unknown): { code: string; problems: Array<{ code: string; details: { id: string } }> } {
  const built = ExecutionGraph.tryFromPlan(plan);
  if (built.ok) throw new Error('the plan was accepted');
  return { code: built.error.code, problems: built.error.details.problems as never };
}

/** The example plan as JSON text with `from` replaced by `to` everywhere (keys, ids, lists). */
function exampleWith(from: string, to: string): unknown {
  const text = readFileSync(new URL('../../examples/video-analysis/plan.json', import.meta.url), 'utf8');
  return JSON.parse(text.replaceAll(`"${from}"`, JSON.stringify(to)));
}

describe('plan ids are checked when the plan is read (INVALID_ID)', () => {
  it.each(['__proto__', 'constructor', 'prototype', 'a/b', '..', 'a.b', 'a b', 'a*', 'a>b', 'ctl\u0001'])(
    'refuses %j as a task id, keyed by it as the seed writes plans',
    (id) => {
      const { code, problems } = refusal(exampleWith('task_12', id));
      expect(code).toBe('INVALID_ID');
      expect(problems.map((p) => [p.code, p.details.id])).toEqual([['INVALID_ID', id]]);
    },
  );

  it.each(['__proto__', 'constructor', '../../etc/passwd', 'store.1', 'a\\b'])(
    'refuses %j as a ref id, declared and produced',
    (id) => {
      const { code, problems } = refusal(exampleWith('store_1', id));
      expect(code).toBe('INVALID_ID');
      expect(problems.map((p) => p.details.id)).toEqual([id]);
    },
  );

  it('lists every bad id once, and nothing else', () => {
    const plan = workflow([
      task('a.b'),
      task('ok_1', [], { output_refs: ['x/y', 'toString'] }),
      task('c d', [], { output_refs: ['x/y'] }),
    ]);
    const { problems } = refusal(plan);
    expect(problems.map((p) => [p.code, p.details.id])).toEqual([
      ['INVALID_ID', 'a.b'],
      ['INVALID_ID', 'x/y'],
      ['INVALID_ID', 'toString'],
      ['INVALID_ID', 'c d'],
    ]);
  });

  it('step answers a plan with a __proto__ ref with INVALID_ID instead of dispatching its readers without a URI', () => {
    const plan = exampleWith('store_1', '__proto__') as Json;
    const { state, messages } = step(undefined, plan);
    expect(state).toBeUndefined();
    expect(messages).toHaveLength(1);
    expect((messages[0] as Json).output.content.error.code).toBe('INVALID_ID');
  });

  it('refuses a bad id added by an edit', () => {
    const graph = ExecutionGraph.fromPlan(examplePlan());
    expect(() => graph.addTask(task('constructor'))).toThrow(expect.objectContaining({ code: 'INVALID_ID' }));
    expect(() => graph.addTask(task('task_13', [], { output_refs: ['a/b'] }))).toThrow(
      expect.objectContaining({ code: 'INVALID_ID' }),
    );
    expect(graph.has('constructor')).toBe(false);
  });

  it("accepts the seed's ids", () => {
    expect(ExecutionGraph.tryFromPlan(examplePlan()).ok).toBe(true);
  });
});
