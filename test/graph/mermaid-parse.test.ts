// Mermaid's own parser reads what toMermaid writes. Mermaid needs a DOM (DOMPurify) even to
// parse: a happy-dom window stands in as `window` and `document` while this file runs.
import fc from 'fast-check';
import { Window } from 'happy-dom';
import type { Mermaid } from 'mermaid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExecutionGraph, type TaskStatus } from '../../src/index.js';
import { type MermaidSource, toMermaid } from '../../src/graph/mermaid.js';
import type { TaskSpec } from '../../src/protocol/plan.js';
import { examplePlan } from '../helpers/fixtures.js';

/** What a parsed flowchart says, with Mermaid's entity codes turned back into characters. */
interface Parsed {
  readonly directives: unknown;
  readonly vertices: ReadonlyArray<{ id: string; text: string; classes: string[]; styles: string[]; link: unknown; callback: unknown }>;
  readonly edges: ReadonlyArray<{ start: string; end: string; text: string; stroke: string }>;
  readonly classes: string[];
  readonly subgraphs: ReadonlyArray<{ id: string; title: string; nodes: string[] }>;
  readonly tooltips: number;
}

const NAMED: Readonly<Record<string, string>> = { quot: '"', amp: '&', lt: '<', gt: '>' };

/** Mermaid keeps `#quot;` as `ﬂ°quot¶ß` and `#35;` as `ﬂ°°35¶ß` until it renders; decoded in one pass, as HTML is. */
function decode(text: string): string {
  return text.replace(/ﬂ°(°?)(\w+)¶ß/gu, (all, numeric: string, code: string) => (numeric ? String.fromCodePoint(Number(code)) : (NAMED[code] ?? all)));
}

interface FlowDb {
  getVertices(): Map<string, { id: string; text: string; classes: string[]; styles: string[]; link?: unknown; haveCallback?: unknown }>;
  getEdges(): Array<{ start: string; end: string; text: string; stroke: string }>;
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
    vertices: vertices.map((v) => ({ id: v.id, text: decode(v.text), classes: v.classes, styles: v.styles, link: v.link, callback: v.haveCallback })),
    edges: db.getEdges().map((e) => ({ start: e.start, end: e.end, text: decode(e.text), stroke: e.stroke })),
    classes: classes instanceof Map ? [...classes.keys()] : Object.keys(classes),
    subgraphs: db.getSubGraphs().map((s) => ({ id: s.id, title: decode(s.title), nodes: s.nodes })),
    tooltips: vertices.filter((v) => db.getTooltip(v.id) !== undefined).length,
  };
}

/** A graph-shaped value with whatever ids and texts: toMermaid must be safe without a plan's checks. */
interface FakeGraph extends MermaidSource {
  readonly ids: readonly string[];
  readonly deps: ReadonlyMap<string, ReadonlyArray<{ from: string; ref?: string }>>;
}

function fakeGraph(ids: readonly string[], actions: readonly string[], edges: ReadonlyArray<readonly [number, number, string | undefined]>): FakeGraph {
  const deps = new Map<string, Array<{ from: string; ref?: string }>>(ids.map((id) => [id, []]));
  for (const [a, b, ref] of edges) deps.get(ids[b])!.push(ref === undefined ? { from: ids[a] } : { from: ids[a], ref });
  const tasks = new Map<string, TaskSpec>(
    ids.map((id, i) => [id, { id, action: actions[i], capability_ids: ['CAP-PRE-001'], depends_on: deps.get(id)!.filter((d) => d.ref === undefined).map((d) => d.from), input_refs: [], output_refs: [] }]),
  );
  return {
    ids,
    deps,
    taskIds: () => [...ids],
    task: (id) => tasks.get(id),
    groups: () => [{ group: 1, tasks: [...ids] }],
    criticalPath: () => ({ tasks: [], weight: 0 }),
    dependenciesOf: (id) => (deps.get(id) ?? []).map((d) => d.from),
    edgeRef: (from, to) => deps.get(to)?.find((d) => d.from === from)?.ref,
  };
}

/** Strings that mean something to Mermaid, mixed with plain ones. */
const nasty = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: fc.constantFrom(...'ab_1 .;:|&#%"`<>-=~ox()[]{}\n\\/¶ßﬂ°'.split(''), 'click', 'end', 'style', 'javascript:', '%%{init:', '}%%', '#quot;', 'classDef', 'subgraph', 'ﬂ°lt¶ß', 'style:#', 'classDef x:#'), maxLength: 10 }),
  fc.constantFrom('end', 'click', 'style', 'TD', 'graph', 't0', 't1', 'group_1', 'default', 'x1', 'o1'),
);

/** On the unquoted edge label of old, this split the edge in two and added a click handler. */
const INJECTING_REF = 'r .- t1;click t1 call alert(1);style t1 fill:red;t9[evil];t0 -. s';

function expectMeaning(parsed: Parsed, graph: FakeGraph, actions: readonly string[]): void {
  // One line, and trimmed: Mermaid trims a label's ends.
  const oneLine = (s: string) => s.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim();
  expect(parsed.directives).toEqual({});
  expect(parsed.tooltips).toBe(0);
  expect(parsed.vertices.map((v) => v.text)).toEqual(graph.ids.map((id, i) => oneLine(actions[i] ? `${id}: ${actions[i]}` : id)));
  for (const v of parsed.vertices) {
    expect(v.link).toBeUndefined();
    expect(v.callback).toBeFalsy();
    expect(v.styles).toEqual([]);
  }
  const node = new Map(graph.ids.map((id, i) => [id, parsed.vertices[i].id]));
  const expected = graph.ids.flatMap((to) => (graph.deps.get(to) ?? []).map((d) => ({ start: node.get(d.from), end: node.get(to), text: d.ref === undefined ? '' : oneLine(d.ref), stroke: d.ref === undefined ? 'normal' : 'dotted' })));
  expect(parsed.edges).toEqual(expected);
  expect(parsed.subgraphs.map((s) => [s.title, s.nodes.length])).toEqual([['Group 1', graph.ids.length]]);
}

describe("toMermaid, read back by Mermaid's own parser", () => {
  it('keeps an injecting ref id a label: no click handler, no extra edge', async () => {
    const graph = fakeGraph(['t0', 't1'], ['make', 'use'], [[0, 1, INJECTING_REF]]);
    const text = toMermaid(graph, { maxLabel: 1000 });
    expectMeaning(await parse(text), graph, ['make', 'use']);
  });

  it('draws exactly the tasks, labels and edges it is given, whatever the ids and texts', async () => {
    const graphs = fc
      .uniqueArray(nasty.filter((s) => s.length > 0), { minLength: 1, maxLength: 5 })
      .chain((ids) =>
        fc.record({
          ids: fc.constant(ids),
          actions: fc.array(nasty, { minLength: ids.length, maxLength: ids.length }),
          // Edges from an earlier task to a later one, some labelled with a ref.
          edges: fc.uniqueArray(
            fc.tuple(fc.nat(ids.length - 1), fc.nat(ids.length - 1), fc.option(nasty.filter((s) => s.length > 0), { nil: undefined })).map(([a, b, ref]) => [Math.min(a, b), Math.max(a, b), ref] as const),
            { maxLength: ids.length > 1 ? 6 : 0, selector: ([a, b]) => `${a} ${b}` },
          ).map((list) => list.filter(([a, b]) => a < b)),
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

  it("parses the example plan with groups, statuses and the critical path as drawn", async () => {
    const graph = ExecutionGraph.fromPlan(examplePlan());
    const status: Record<string, TaskStatus> = { task_5: 'failed', task_7: 'skipped', task_1: 'complete' };
    const parsed = await parse(graph.toMermaid({ status, criticalPath: true }));
    expect(parsed.vertices.map((v) => v.id).sort()).toEqual(graph.taskIds().sort());
    expect(parsed.subgraphs).toHaveLength(graph.groups().length);
    expect(parsed.classes.sort()).toEqual(['complete', 'failed', 'skipped']);
    expect(parsed.vertices.find((v) => v.id === 'task_5')?.classes).toEqual(['failed']);
    expect(parsed.edges.filter((e) => e.stroke === 'dotted').map((e) => e.text)).toContain('derived_3');
  });
});
