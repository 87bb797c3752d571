import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExecutionGraph } from '../../src/graph/execution-graph.js';
import { decomposeWithPatterns } from '../../src/planning/decompose.js';
import { parseSpecification } from '../../src/planning/read-spec.js';
import type { Specification } from '../../src/protocol/specification.js';

const WORDS = [
  'store',
  'list',
  'users',
  'fast',
  'report',
  'export',
  'cache',
  'sync',
  'atomic',
  'retry',
  'page',
  'search',
  'index',
  'token',
  'upload',
];
const LEADS = [
  'It must',
  'It should',
  'Users could',
  'Evaluate and choose',
  'A load test must show',
  'The README should explain',
  'A security review must',
  'Answer within 20 ms and',
];
const sentence = fc
  .tuple(fc.constantFrom(...LEADS), fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 12 }))
  .map(([lead, words]) => `${lead} ${words.join(' ')}.`);

/** Specifications of every shape the schema admits: 0–5 components (dependencies on earlier ones, or on any with `cyclic`), 1–12 requirements. */
function specs(cyclic: boolean): fc.Arbitrary<Specification> {
  return fc
    .record({
      components: fc.integer({ min: 0, max: 5 }),
      requirements: fc.array(
        fc.record({
          text: sentence,
          priority: fc.constantFrom('must', 'should', 'could'),
          component: fc.option(fc.nat(), { nil: undefined }),
        }),
        { minLength: 1, maxLength: 12 },
      ),
      deps: fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: 5, maxLength: 5 }),
      exclusive: fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }),
      constraints: fc.array(sentence, { maxLength: 3 }),
      acceptance: fc.array(sentence, { maxLength: 3 }),
      inputs: fc.integer({ min: 0, max: 3 }),
    })
    .map((s) => {
      const ids = Array.from({ length: s.components }, (_, i) => `c${i}`);
      const parsed = parseSpecification({
        title: 'Generated',
        goal: 'A system generated for a property test.',
        components: ids.map((id, i) => ({
          id,
          language: i % 2 === 0 ? 'typescript' : 'python',
          depends_on: [
            ...new Set(
              s.deps[i]
                .map((d) => (cyclic ? d % s.components : d % Math.max(i, 1)))
                .filter((d) => d !== i && (cyclic || d < i))
                .map((d) => `c${d}`),
            ),
          ],
          exclusive_resources: s.exclusive[i] ? ['database'] : [],
        })),
        requirements: s.requirements.map((r, i) => ({
          id: `R${i + 1}`,
          text: r.text,
          priority: r.priority,
          ...(r.component !== undefined && ids.length > 0 ? { component: ids[r.component % ids.length] } : {}),
        })),
        constraints: s.constraints,
        acceptance_criteria: s.acceptance,
        inputs: Array.from({ length: s.inputs }, (_, i) => ({ id: `in${i}`, uri: `https://example.com/in${i}.csv` })),
      });
      if (!parsed.ok) throw parsed.error;
      return parsed.value;
    });
}

interface PlanTask {
  id: string;
  depends_on: string[];
  task_type: string;
  component?: string;
  spec_context: { requirements: Array<{ id: string }>; component?: { id: string } };
}

function tasksOf(spec: Specification, resolveCycles = false): PlanTask[] {
  const done = decomposeWithPatterns(spec, { resolveCycles });
  if (!done.ok) throw new Error(`${done.error.code}: ${done.error.message}`);
  expect(ExecutionGraph.tryFromPlan(done.value.plan).ok).toBe(true);
  return Object.values(done.value.plan.output.content.workflow.tasks as unknown as Record<string, PlanTask>);
}

/** Every task `id` waits for, directly or not. */
function ancestors(tasks: readonly PlanTask[], id: string): Set<string> {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const seen = new Set<string>();
  const stack = [...(byId.get(id)?.depends_on ?? [])];
  while (stack.length > 0) {
    const x = stack.pop() as string;
    if (seen.has(x)) continue;
    seen.add(x);
    stack.push(...(byId.get(x)?.depends_on ?? []));
  }
  return seen;
}

describe('plans decomposed from generated specifications', () => {
  it('always validate, are the same every time, and end in one report that waits for everything', () => {
    fc.assert(
      fc.property(specs(false), (spec) => {
        const tasks = tasksOf(spec);
        expect(JSON.stringify(decomposeWithPatterns(spec))).toBe(JSON.stringify(decomposeWithPatterns(spec)));
        const report = tasks.filter((t) => t.task_type === 'synthesis');
        expect(report).toHaveLength(1);
        const before = ancestors(tasks, report[0].id);
        for (const t of tasks)
          if (t !== report[0]) expect(before.has(t.id), `${t.id} (${t.task_type}) comes before the report`).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('test a component after all of its code, document after all code, and serve every requirement', () => {
    fc.assert(
      fc.property(specs(false), (spec) => {
        const tasks = tasksOf(spec);
        const code = tasks.filter((t) => t.task_type === 'code_writing');
        for (const test of tasks.filter((t) => t.task_type === 'testing' && t.spec_context.component)) {
          const mine = code.filter((c) => c.spec_context.component?.id === test.spec_context.component?.id);
          const before = ancestors(tasks, test.id);
          for (const c of mine) expect(before.has(c.id)).toBe(true);
        }
        for (const docs of tasks.filter((t) => t.task_type === 'documentation')) {
          const before = ancestors(tasks, docs.id);
          for (const c of code) expect(before.has(c.id)).toBe(true);
        }
        const served = new Set(
          tasks.filter((t) => t.task_type !== 'synthesis').flatMap((t) => t.spec_context.requirements.map((r) => r.id)),
        );
        for (const r of spec.requirements) expect(served.has(r.id), r.id).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('with cycles among components, are refused naming a cycle, or with resolveCycles lose only logical edges', () => {
    fc.assert(
      fc.property(specs(true), (spec) => {
        const plain = decomposeWithPatterns(spec);
        if (!plain.ok) {
          expect(plain.error.code).toBe('PROCESSING_ERROR');
          expect(plain.error.details.cycle).toBeDefined();
        }
        const resolved = decomposeWithPatterns(spec, { resolveCycles: true });
        if (!resolved.ok) throw new Error(`${resolved.error.code}: ${resolved.error.message}`);
        expect(ExecutionGraph.tryFromPlan(resolved.value.plan).ok).toBe(true);
        for (const r of resolved.value.report.removed) expect(r.type).not.toBe('data');
        expect(resolved.value.report.removed.some((r) => r.because === 'cycle')).toBe(!plain.ok);
      }),
      { numRuns: 150 },
    );
  });

  it('are refused, not built, from a value that is not a specification', () => {
    for (const bad of [
      null,
      {},
      { title: 'T', goal: 'G', requirements: [] },
      { title: 'T', goal: 'G', requirements: [{ id: 'R1' }] },
    ]) {
      const done = decomposeWithPatterns(bad);
      expect(done.ok ? 'built' : done.error.code).toBe('INVALID_INPUT');
    }
  });
});
