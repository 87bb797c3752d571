import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  breakCycles,
  type DependencyOrigin,
  type DependencyType,
  findCycle,
  reduceDependencies,
  type TypedDependency,
  type TypedTask,
  typeOf,
} from '../../src/graph/typed-dependencies.js';

type Dep = string | { id: string; type: DependencyType; origin: DependencyOrigin };

/** A task waiting for `deps`: a bare id is a declared logical dependency (no entry), an object a typed one. */
function t(id: string, deps: Dep[] = []): TypedTask {
  const dependencies: TypedDependency[] = deps.flatMap((d) =>
    typeof d === 'string' ? [] : [{ task_id: d.id, type: d.type, origin: d.origin, reason: `${d.origin} ${d.type}` }],
  );
  return {
    id,
    depends_on: deps.map((d) => (typeof d === 'string' ? d : d.id)),
    ...(dependencies.length > 0 ? { dependencies } : {}),
  };
}
const data = (id: string): Dep => ({ id, type: 'data', origin: 'inferred' });
const dep = (id: string, type: DependencyType, origin: DependencyOrigin): Dep => ({ id, type, origin });

function broken(tasks: readonly TypedTask[]) {
  const result = breakCycles(tasks);
  if (!result.ok) throw new Error(`expected the cycles broken, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

/** `from → task_id` pairs removed. */
const pairs = (removed: ReadonlyArray<{ from: string; task_id: string }>) =>
  removed.map((r) => `${r.from}→${r.task_id}`);

describe('breakCycles', () => {
  it('removes the model proposal first, and reports it with its cycle', () => {
    const out = broken([
      t('a', [data('b')]),
      t('b', [dep('c', 'logical', 'declared')]),
      t('c', [dep('a', 'logical', 'model')]),
    ]);
    expect(out.removed).toEqual([
      {
        task_id: 'a',
        type: 'logical',
        origin: 'model',
        reason: 'model logical',
        from: 'c',
        because: 'cycle',
        cycle: ['a', 'b', 'c', 'a'],
      },
    ]);
    expect(out.tasks.find((x) => x.id === 'c')).toEqual({ id: 'c', depends_on: [], dependencies: [] });
    expect(findCycle(out.tasks)).toBeUndefined();
  });

  it('prefers an inferred dependency to a declared one, and a model logical one to an inferred resource one', () => {
    expect(pairs(broken([t('a', [dep('b', 'logical', 'inferred')]), t('b', ['a'])]).removed)).toEqual(['a→b']);
    expect(
      pairs(broken([t('a', [dep('b', 'logical', 'model')]), t('b', [dep('a', 'resource', 'inferred')])]).removed),
    ).toEqual(['a→b']);
  });

  it('takes resource before logical of the same origin, and both before data', () => {
    expect(
      pairs(broken([t('a', [dep('b', 'logical', 'declared')]), t('b', [dep('a', 'resource', 'declared')])]).removed),
    ).toEqual(['b→a']);
    expect(pairs(broken([t('a', [data('b')]), t('b', [dep('a', 'logical', 'declared')])]).removed)).toEqual(['b→a']);
  });

  it('takes the later task in plan order on a tie', () => {
    expect(pairs(broken([t('a', ['b']), t('b', ['c']), t('c', ['a'])]).removed)).toEqual(['c→a']);
    expect(pairs(broken([t('c', ['a']), t('b', ['c']), t('a', ['b'])]).removed)).toEqual(['a→b']);
  });

  it('refuses a cycle of data dependencies with PROCESSING_ERROR naming it', () => {
    const result = breakCycles([t('x'), t('a', [data('b')]), t('b', [data('a')])]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('PROCESSING_ERROR');
    expect(result.error.details).toMatchObject({ reason: 'cycle', cycle: ['a', 'b', 'a'] });
  });

  it('breaks several disjoint cycles, one dependency each', () => {
    const out = broken([
      t('a', ['b']),
      t('b', ['a']),
      t('c', [data('d')]),
      t('d', [dep('c', 'resource', 'inferred')]),
      t('e', ['e2']),
      t('e2', ['e3']),
      t('e3', ['e']),
    ]);
    expect(pairs(out.removed).sort()).toEqual(['b→a', 'd→c', 'e3→e']);
    expect(out.removed.every((r) => r.because === 'cycle' && r.cycle !== undefined)).toBe(true);
    expect(findCycle(out.tasks)).toBeUndefined();
  });

  it('leaves an acyclic plan as it is', () => {
    const tasks = [t('a'), t('b', ['a'])];
    expect(broken(tasks)).toEqual({ tasks, removed: [] });
  });
});

describe('reduceDependencies', () => {
  it('removes logical and resource dependencies implied through others, and reports them', () => {
    const out = reduceDependencies([
      t('a'),
      t('b', [data('a')]),
      t('c', [data('b'), 'a']),
      t('d', [data('c'), dep('a', 'resource', 'inferred')]),
    ]);
    expect(pairs(out.removed).sort()).toEqual(['c→a', 'd→a']);
    expect(out.removed.every((r) => r.because === 'redundant')).toBe(true);
    expect(out.tasks.map((x) => x.depends_on)).toEqual([[], ['a'], ['b'], ['c']]);
  });

  it('never removes a data dependency, implied or not', () => {
    const tasks = [t('a'), t('b', ['a']), t('c', ['b', data('a')])];
    expect(reduceDependencies(tasks)).toEqual({ tasks, removed: [] });
  });

  it('leaves a cyclic plan untouched', () => {
    const tasks = [t('a', ['c']), t('b', ['a']), t('c', ['b', 'a'])];
    expect(reduceDependencies(tasks)).toEqual({ tasks, removed: [] });
  });
});

// ---- properties ---------------------------------------------------------------------------

const TYPES: readonly DependencyType[] = ['data', 'logical', 'resource'];
const ORIGINS: readonly DependencyOrigin[] = ['declared', 'inferred', 'model'];

/** An edge `[waiter, waited for]` by index, typed, or untyped (`null`: a bare depends_on entry). */
type RandomEdge = readonly [number, number, { type: DependencyType; origin: DependencyOrigin } | null];

const kind = fc.option(fc.record({ type: fc.constantFrom(...TYPES), origin: fc.constantFrom(...ORIGINS) }), {
  nil: null,
});

function tasksOf(n: number, edges: readonly RandomEdge[], listing: readonly number[]): TypedTask[] {
  const deps: Dep[][] = Array.from({ length: n }, () => []);
  for (const [v, u, k] of edges) deps[v].push(k === null ? `n${u}` : dep(`n${u}`, k.type, k.origin));
  return listing.map((i) => t(`n${i}`, deps[i]));
}

/** For each task id, every id it reaches through depends_on. */
function closure(tasks: readonly TypedTask[]): Map<string, string[]> {
  const by = new Map(tasks.map((x) => [x.id, x]));
  return new Map(
    tasks.map((x) => {
      const seen = new Set<string>();
      const stack = [...x.depends_on];
      while (stack.length > 0) {
        const y = stack.pop() as string;
        if (seen.has(y)) continue;
        seen.add(y);
        stack.push(...(by.get(y)?.depends_on ?? []));
      }
      return [x.id, [...seen].sort()];
    }),
  );
}

const dataEdges = (tasks: readonly TypedTask[]) =>
  tasks.flatMap((x) => x.depends_on.filter((d) => typeOf(x, d).type === 'data').map((d) => `${x.id}→${d}`)).sort();

const shuffled = (n: number) =>
  fc.shuffledSubarray(
    Array.from({ length: n }, (_, i) => i),
    { minLength: n, maxLength: n },
  );

/** A random DAG: task i may wait only for tasks of lower index, listed in any order. */
const randomDag = fc.integer({ min: 1, max: 12 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges:
      n < 2
        ? fc.constant<RandomEdge[]>([])
        : fc.uniqueArray(
            fc
              .tuple(fc.nat(n - 1), fc.nat(n - 1), kind)
              .filter(([a, b]) => a !== b)
              .map(([a, b, k]): RandomEdge => [Math.max(a, b), Math.min(a, b), k]),
            { maxLength: n * 3, selector: ([a, b]) => `${a} ${b}` },
          ),
    listing: shuffled(n),
  }),
);

/** A random directed graph, cycles and all (no self-edges). */
const randomGraph = fc.integer({ min: 1, max: 10 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    edges:
      n < 2
        ? fc.constant<RandomEdge[]>([])
        : fc.uniqueArray(
            fc.tuple(fc.nat(n - 1), fc.nat(n - 1), kind).filter(([a, b]) => a !== b),
            { maxLength: n * 3, selector: ([a, b]) => `${a} ${b}` },
          ),
    listing: shuffled(n),
  }),
);

describe('typed dependency properties', () => {
  it('reduceDependencies keeps what every task reaches, and every data dependency', () => {
    fc.assert(
      fc.property(randomDag, ({ n, edges, listing }) => {
        const tasks = tasksOf(n, edges, listing);
        const out = reduceDependencies(tasks);
        expect(closure(out.tasks)).toEqual(closure(tasks));
        expect(dataEdges(out.tasks)).toEqual(dataEdges(tasks));
        expect(out.removed.every((r) => r.type !== 'data')).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('breakCycles leaves an acyclic plan with every data dependency, or refuses exactly when data dependencies alone make a cycle', () => {
    fc.assert(
      fc.property(randomGraph, ({ n, edges, listing }) => {
        const tasks = tasksOf(n, edges, listing);
        const dataOnly = tasks.map((x) => ({
          id: x.id,
          depends_on: x.depends_on.filter((d) => typeOf(x, d).type === 'data'),
        }));
        const result = breakCycles(tasks);
        expect(result.ok).toBe(findCycle(dataOnly) === undefined);
        if (!result.ok) {
          expect(result.error.code).toBe('PROCESSING_ERROR');
          const cycle = result.error.details.cycle as string[];
          const byId = new Map(tasks.map((x) => [x.id, x]));
          for (let i = 0; i + 1 < cycle.length; i++)
            expect(typeOf(byId.get(cycle[i])!, cycle[i + 1]).type).toBe('data');
          return;
        }
        expect(findCycle(result.value.tasks)).toBeUndefined();
        expect(dataEdges(result.value.tasks)).toEqual(dataEdges(tasks));
        const kept = result.value.tasks.flatMap((x) => x.depends_on.map((d) => `${x.id}→${d}`)).length;
        expect(kept + result.value.removed.length).toBe(edges.length);
      }),
      { numRuns: 500 },
    );
  });
});
