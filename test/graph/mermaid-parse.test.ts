// Mermaid's own parser reads what toMermaid writes. Mermaid needs a DOM (DOMPurify) even to
// parse: a happy-dom window stands in as `window` and `document` while this file runs.
import fc from 'fast-check';
import { Window } from 'happy-dom';
import type { Mermaid } from 'mermaid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionGraph, type TaskStatus } from '../../src/index.js';
import { type MermaidSource, toMermaid } from '../../src/graph/mermaid.js';
import type { TaskSpec } from '../../src/protocol/plan.js';
import { examplePlan, fixture } from '../helpers/fixtures.js';

/** What a parsed flowchart says, with Mermaid's entity codes turned back into characters. */
interface Parsed {
  readonly directives: unknown;
  readonly vertices: ReadonlyArray<{
    id: string;
    text: string;
    classes: string[];
    styles: string[];
    link: unknown;
    callback: unknown;
  }>;
  readonly edges: ReadonlyArray<{ start: string; end: string; text: string; stroke: string; type: string }>;
  readonly classes: string[];
  readonly subgraphs: ReadonlyArray<{ id: string; title: string; nodes: string[] }>;
  readonly tooltips: number;
}

const NAMED: Readonly<Record<string, string>> = { quot: '"', amp: '&', lt: '<', gt: '>' };

/** Mermaid keeps `#quot;` as `ﬂ°quot¶ß` and `#35;` as `ﬂ°°35¶ß` until it renders; decoded in one pass, as HTML is. */
function decode(text: string): string {
  return text.replace(/ﬂ°(°?)(\w+)¶ß/gu, (all, numeric: string, code: string) =>
    numeric ? String.fromCodePoint(Number(code)) : (NAMED[code] ?? all),
  );
}

interface FlowDb {
  getVertices(): Map<
    string,
    { id: string; text: string; classes: string[]; styles: string[]; link?: unknown; haveCallback?: unknown }
  >;
  getEdges(): Array<{ start: string; end: string; text: string; stroke: string; type: string }>;
  getClasses(): Map<string, unknown> | Record<string, unknown>;
  getSubGraphs(): Array<{ id: string; title: string; nodes: string[] }>;
  getTooltip(id: string): string | undefined;
}

const dom = new Window();
let mermaid: Mermaid;

beforeAll(async () => {
  Object.assign(globalThis, { window: dom, document: dom.document });
  mermaid = (await import('mermaid')).default;
});

afterAll(async () => {
  await dom.happyDOM.close();
  Reflect.deleteProperty(globalThis, 'window');
  Reflect.deleteProperty(globalThis, 'document');
});

async function parse(text: string): Promise<Parsed> {
  const checked = await mermaid.parse(text);
  if (!checked) throw new Error('not a diagram');
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  const db = diagram.db as unknown as FlowDb;
  const vertices = [...db.getVertices().values()];
  const classes = db.getClasses();
  return {
    directives: checked.config,
    vertices: vertices.map((v) => ({
      id: v.id,
      text: decode(v.text),
      classes: v.classes,
      styles: v.styles,
      link: v.link,
      callback: v.haveCallback,
    })),
    edges: db
      .getEdges()
      .map((e) => ({ start: e.start, end: e.end, text: decode(e.text), stroke: e.stroke, type: e.type })),
    classes: classes instanceof Map ? [...classes.keys()] : Object.keys(classes),
    subgraphs: db.getSubGraphs().map((s) => ({ id: s.id, title: decode(s.title), nodes: s.nodes })),
    tooltips: vertices.filter((v) => db.getTooltip(v.id) !== undefined).length,
  };
}

/**
 * How a fake edge is there: a string is a ref the later task reads (a data edge only the ref
 * implies), `undefined` a bare `depends_on` entry (a declared logical edge), an object a
 * `dependencies` entry of that type.
 */
type FakeKind =
  | string
  | undefined
  | { type: 'logical' | 'resource'; origin: 'declared' | 'inferred' | 'model'; reason: string; resource?: string };

/** A graph-shaped value with whatever ids and texts: toMermaid must be safe without a plan's checks. */
interface FakeGraph extends MermaidSource {
  readonly ids: readonly string[];
  readonly deps: ReadonlyMap<string, ReadonlyArray<{ from: string; kind: FakeKind }>>;
}

function fakeGraph(
  ids: readonly string[],
  actions: readonly string[],
  edges: ReadonlyArray<readonly [number, number, FakeKind]>,
): FakeGraph {
  const deps = new Map<string, Array<{ from: string; kind: FakeKind }>>(ids.map((id) => [id, []]));
  for (const [a, b, kind] of edges) deps.get(ids[b])!.push({ from: ids[a], kind });
  const tasks = new Map<string, TaskSpec>(
    ids.map((id, i) => {
      const own = deps.get(id)!;
      const typed = own.flatMap((d) => (typeof d.kind === 'object' ? [{ task_id: d.from, ...d.kind }] : []));
      const spec = {
        id,
        action: actions[i],
        capability_ids: ['CAP-PRE-001'],
        depends_on: own.filter((d) => typeof d.kind !== 'string').map((d) => d.from),
        input_refs: [],
        output_refs: [],
      };
      return [id, typed.length > 0 ? { ...spec, dependencies: typed } : spec];
    }),
  );
  return {
    ids,
    deps,
    taskIds: () => [...ids],
    task: (id) => tasks.get(id),
    groups: () => [{ group: 1, tasks: [...ids] }],
    criticalPath: () => ({ tasks: [], weight: 0 }),
    dependenciesOf: (id) => (deps.get(id) ?? []).map((d) => d.from),
    edgeRef: (from, to) => {
      const kind = deps.get(to)?.find((d) => d.from === from)?.kind;
      return typeof kind === 'string' ? kind : undefined;
    },
    producersOf: () => [],
  };
}

/** What Mermaid should read back for an edge of `kind`: label, stroke and arrow head. */
function drawnAs(kind: FakeKind, oneLine: (s: string) => string): { text: string; stroke: string; type: string } {
  if (typeof kind === 'string') return { text: oneLine(kind), stroke: 'normal', type: 'arrow_point' };
  if (kind === undefined) return { text: 'logical', stroke: 'dotted', type: 'arrow_point' };
  if (kind.type === 'logical')
    return { text: kind.origin === 'model' ? 'logical (model)' : 'logical', stroke: 'dotted', type: 'arrow_point' };
  return {
    text: oneLine(kind.resource === undefined ? 'resource' : `resource: ${kind.resource}`),
    stroke: 'dotted',
    type: 'arrow_circle',
  };
}

/** Strings that mean something to Mermaid, mixed with plain ones. */
const nasty = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({
    unit: fc.constantFrom(
      ...'ab_1 .;:|&#%"`<>-=~ox()[]{}\n\\/¶ßﬂ°'.split(''),
      'click',
      'end',
      'style',
      'javascript:',
      '%%{init:',
      '}%%',
      '#quot;',
      'classDef',
      'subgraph',
      'ﬂ°lt¶ß',
      'style:#',
      'classDef x:#',
    ),
    maxLength: 10,
  }),
  fc.constantFrom('end', 'click', 'style', 'TD', 'graph', 't0', 't1', 'group_1', 'default', 'x1', 'o1'),
);

/** Every kind of edge, with hostile refs, resource names and reasons. */
const kinds: fc.Arbitrary<FakeKind> = fc.oneof(
  fc.constant(undefined),
  nasty.filter((s) => s.length > 0),
  fc.record({
    type: fc.constant('logical' as const),
    origin: fc.constantFrom('declared' as const, 'inferred' as const, 'model' as const),
    reason: nasty,
  }),
  fc.record(
    {
      type: fc.constant('resource' as const),
      origin: fc.constantFrom('declared' as const, 'inferred' as const, 'model' as const),
      reason: nasty,
      resource: fc.option(nasty, { nil: undefined }),
    },
    { requiredKeys: ['type', 'origin', 'reason'] },
  ),
);

/** On the unquoted edge label of old, this split the edge in two and added a click handler. */
const INJECTING_REF = 'r .- t1;click t1 call alert(1);style t1 fill:red;t9[evil];t0 -. s';

function expectMeaning(parsed: Parsed, graph: FakeGraph, actions: readonly string[]): void {
  // One line, and trimmed: Mermaid trims a label's ends.
  const oneLine = (s: string) => s.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim();
  expect(parsed.directives).toEqual({});
  expect(parsed.tooltips).toBe(0);
  expect(parsed.vertices.map((v) => v.text)).toEqual(
    graph.ids.map((id, i) => oneLine(actions[i] ? `${id}: ${actions[i]}` : id)),
  );
  for (const v of parsed.vertices) {
    expect(v.link).toBeUndefined();
    expect(v.callback).toBeFalsy();
    expect(v.styles).toEqual([]);
  }
  const node = new Map(graph.ids.map((id, i) => [id, parsed.vertices[i].id]));
  const expected = graph.ids.flatMap((to) =>
    (graph.deps.get(to) ?? []).map((d) => ({
      start: node.get(d.from),
      end: node.get(to),
      ...drawnAs(d.kind, oneLine),
    })),
  );
  expect(parsed.edges).toEqual(expected);
  expect(parsed.subgraphs.map((s) => [s.title, s.nodes.length])).toEqual([['Group 1', graph.ids.length]]);
}

describe("toMermaid, read back by Mermaid's own parser", () => {
  it('keeps an injecting ref id a label: no click handler, no extra edge', async () => {
    const graph = fakeGraph(['t0', 't1'], ['make', 'use'], [[0, 1, INJECTING_REF]]);
    const text = toMermaid(graph, { maxLabel: 1000 });
    expectMeaning(await parse(text), graph, ['make', 'use']);
  });

  it('keeps an injecting resource name a label on a resource edge, and a model reason out of the diagram', async () => {
    const graph = fakeGraph(
      ['t0', 't1', 't2'],
      ['lock', 'use', 'check'],
      [
        [0, 1, { type: 'resource', origin: 'inferred', reason: 'x', resource: INJECTING_REF }],
        [
          1,
          2,
          { type: 'logical', origin: 'model', reason: '%%{init: {"securityLevel": "loose"}}%% click t1 call alert(1)' },
        ],
      ],
    );
    const text = toMermaid(graph, { maxLabel: 1000 });
    expect(text).not.toContain('securityLevel');
    expectMeaning(await parse(text), graph, ['lock', 'use', 'check']);
  });

  it('draws exactly the tasks, labels and edges it is given, whatever the ids and texts', async () => {
    const graphs = fc
      .uniqueArray(
        nasty.filter((s) => s.length > 0),
        { minLength: 1, maxLength: 5 },
      )
      .chain((ids) =>
        fc.record({
          ids: fc.constant(ids),
          actions: fc.array(nasty, { minLength: ids.length, maxLength: ids.length }),
          // Edges from an earlier task to a later one, of every kind, refs, resources and reasons hostile.
          edges: fc
            .uniqueArray(
              fc
                .tuple(fc.nat(ids.length - 1), fc.nat(ids.length - 1), kinds)
                .map(([a, b, kind]) => [Math.min(a, b), Math.max(a, b), kind] as const),
              { maxLength: ids.length > 1 ? 6 : 0, selector: ([a, b]) => `${a} ${b}` },
            )
            .map((list) => list.filter(([a, b]) => a < b)),
        }),
      );
    await fc.assert(
      fc.asyncProperty(graphs, async ({ ids, actions, edges }) => {
        const graph = fakeGraph(ids, actions, edges);
        expectMeaning(await parse(toMermaid(graph, { maxLabel: 1000 })), graph, actions);
      }),
      { numRuns: 200 },
    );
  }, 120_000);

  it('parses the example plan with groups, statuses and the critical path as drawn', async () => {
    const graph = ExecutionGraph.fromPlan(examplePlan());
    const status: Record<string, TaskStatus> = { task_5: 'failed', task_7: 'skipped', task_1: 'complete' };
    const parsed = await parse(graph.toMermaid({ status, criticalPath: true }));
    expect(parsed.vertices.map((v) => v.id).sort()).toEqual(graph.taskIds().sort());
    expect(parsed.subgraphs).toHaveLength(graph.groups().length);
    expect(parsed.classes.sort()).toEqual(['complete', 'failed', 'skipped']);
    expect(parsed.vertices.find((v) => v.id === 'task_5')?.classes).toEqual(['failed']);
    // Every edge of the example is data (solid, labelled with its ref) or declared logical (dotted).
    expect(parsed.edges.filter((e) => e.stroke === 'normal').map((e) => e.text)).toContain('derived_3');
    expect(parsed.edges.filter((e) => e.stroke === 'dotted').map((e) => `${e.start}→${e.end} ${e.text}`)).toEqual([
      'task_1→task_2 logical',
      'task_3→task_5 logical',
      'task_3→task_6 logical',
    ]);
    expect(parsed.edges).toHaveLength(19);
  });

  it('parses a typed plan with data, logical and resource edges drawn apart', async () => {
    const graph = ExecutionGraph.fromPlan(fixture('plans/bookmarks-api.plan.json'));
    const parsed = await parse(graph.toMermaid({ criticalPath: true }));
    const drawn = new Set(parsed.edges.map((e) => `${e.stroke} ${e.type} ${e.stroke === 'normal' ? 'ref' : e.text}`));
    expect(drawn).toEqual(
      new Set(['normal arrow_point ref', 'dotted arrow_point logical', 'dotted arrow_circle resource: database']),
    );
  });
});
