/**
 * A plan's DAG laid out for drawing: left to right, one column band per execution group,
 * returned as plain JSON-serialisable data that the HTML report draws as SVG and that a
 * browser dashboard can draw the same way.
 *
 * Up to `elkMaxTasks` tasks (default 150) the layout is elkjs's `layered` algorithm (Sugiyama)
 * with each task's execution group as its partition, so the groups stand in order as
 * columns, parallel edges merged and one crossing-minimisation pass. Beyond it, elkjs is too
 * slow to wait for, and the layout is our own "columns" layering: a column per execution
 * group, tasks in a column ordered by the mean row of what they depend on, edges straight
 * from the right side of a task to the left side of its dependent. Both are deterministic.
 *
 * Measured (largePlan: up to three dependencies per task, about 3 edges per task; a shared
 * 2-core machine, so read them as orders of magnitude): elkjs with the options below takes
 * about 0.9 s warm (2–3 s cold) for 100 tasks, about 3 s for 300, 9 s for 1,000 and did
 * not finish in 200 s for 5,000; elkjs's defaults are 2–3x slower still. The columns
 * layering takes about 15 ms for 1,000 and 70 ms for 5,000.
 */
import elkBundled from 'elkjs/lib/elk.bundled.js';
import type { ELK, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { ExecutionGraph } from '../graph/execution-graph.js';

/** A point of the drawing. */
export interface LayoutPoint {
  readonly x: number;
  readonly y: number;
}

/** A task placed: its box's top-left corner and size, and its execution group. */
export interface LayoutNode {
  readonly id: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly group: number;
}

/** A dependency drawn: `to` depends on `from`; `points` run from `from`'s box to `to`'s. */
export interface LayoutEdge {
  readonly from: string;
  readonly to: string;
  readonly points: readonly LayoutPoint[];
}

/** An execution group's band: the box around its tasks. */
export interface LayoutGroup {
  readonly group: number;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** A laid-out graph: plain data, `JSON.stringify`-able. */
export interface GraphLayout {
  /** Which layout made it: elkjs's layered algorithm, or our columns for large plans. */
  readonly engine: 'elk' | 'columns';
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly LayoutNode[];
  readonly edges: readonly LayoutEdge[];
  readonly groups: readonly LayoutGroup[];
}

/** Options of {@link layoutGraph}. */
export interface GraphLayoutOptions {
  /** Width of a task's box. @default 180 */
  readonly nodeWidth?: number;
  /** Height of a task's box. @default 40 */
  readonly nodeHeight?: number;
  /** Largest plan laid out by elkjs; larger ones get the columns layout. @default 150 */
  readonly elkMaxTasks?: number;
}

const BAND_PAD = 10;
const COLUMN_GAP = 60;
const ROW_GAP = 16;

const ELK_OPTIONS = {
  'elk.algorithm': 'layered',
  'elk.direction': 'RIGHT',
  'elk.partitioning.activate': 'true',
  'elk.layered.mergeEdges': 'true',
  'elk.layered.thoroughness': '1',
  'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
  'elk.layered.edgeRouting': 'POLYLINE',
  'elk.layered.spacing.nodeNodeBetweenLayers': String(COLUMN_GAP),
  'elk.spacing.nodeNode': String(ROW_GAP),
  'elk.padding': `[top=${BAND_PAD},left=${BAND_PAD},bottom=${BAND_PAD},right=${BAND_PAD}]`,
  'elk.randomSeed': '1',
  // One component, so the partitions (groups) line up as columns across unconnected tasks too.
  'elk.separateConnectedComponents': 'false',
};

type ElkConstructor = new () => ELK;
// elk.bundled.js is CommonJS typed as an ES module: Node hands its module.exports (the
// constructor) as the default import, where the typings expect a `default` inside it.
const Elk: ElkConstructor =
  (elkBundled as unknown as { default?: ElkConstructor }).default ?? (elkBundled as unknown as ElkConstructor);

type Sizes = { readonly w: number; readonly h: number };

/** Every edge `from → to` (to depends on from), in plan order of `to`, then of `from`. */
function edgesOf(graph: ExecutionGraph): Array<readonly [string, string]> {
  return graph.taskIds().flatMap((to) => graph.dependenciesOf(to).map((from) => [from, to] as const));
}

/** The bands around each group's nodes. */
function bands(nodes: readonly LayoutNode[]): LayoutGroup[] {
  const box = new Map<number, [number, number, number, number]>();
  for (const n of nodes) {
    const b = box.get(n.group);
    if (!b) box.set(n.group, [n.x, n.y, n.x + n.width, n.y + n.height]);
    else
      box.set(n.group, [
        Math.min(b[0], n.x),
        Math.min(b[1], n.y),
        Math.max(b[2], n.x + n.width),
        Math.max(b[3], n.y + n.height),
      ]);
  }
  return [...box.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([group, [x0, y0, x1, y1]]) => ({
      group,
      x: x0 - BAND_PAD / 2,
      y: y0 - BAND_PAD / 2,
      width: x1 - x0 + BAND_PAD,
      height: y1 - y0 + BAND_PAD,
    }));
}

const round = (v: number) => Math.round(v * 10) / 10;

async function elkLayout(graph: ExecutionGraph, size: Sizes): Promise<GraphLayout> {
  const ids = graph.taskIds();
  const pairs = edgesOf(graph);
  const input: ElkNode = {
    id: '__root',
    layoutOptions: ELK_OPTIONS,
    children: ids.map((id) => ({
      id,
      width: size.w,
      height: size.h,
      layoutOptions: { 'elk.partitioning.partition': String(graph.groupOf(id)) },
    })),
    edges: pairs.map(([from, to], i) => ({ id: `e${i}`, sources: [from], targets: [to] })),
  };
  const out = await new Elk().layout(input);
  const nodes = (out.children ?? []).map((c) => ({
    id: c.id,
    x: round(c.x ?? 0),
    y: round(c.y ?? 0),
    width: size.w,
    height: size.h,
    group: graph.groupOf(c.id),
  }));
  const edges = ((out.edges ?? []) as ElkExtendedEdge[]).map((e, i) => {
    const s = e.sections?.[0];
    const points = s ? [s.startPoint, ...(s.bendPoints ?? []), s.endPoint] : [];
    return { from: pairs[i][0], to: pairs[i][1], points: points.map((p) => ({ x: round(p.x), y: round(p.y) })) };
  });
  return {
    engine: 'elk',
    width: round(out.width ?? 0),
    height: round(out.height ?? 0),
    nodes,
    edges,
    groups: bands(nodes),
  };
}

/** Our layering for large plans: a column per group, rows by the mean row of each task's dependencies. */
export function columnsLayout(graph: ExecutionGraph, size: Sizes): GraphLayout {
  const row = new Map<string, number>();
  const nodes: LayoutNode[] = [];
  let tallest = 0;
  graph.groups().forEach(({ group, tasks }, column) => {
    const key = (id: string, i: number) => {
      const deps = graph.dependenciesOf(id).map((d) => row.get(d) ?? 0);
      return deps.length === 0 ? i : deps.reduce((a, b) => a + b, 0) / deps.length;
    };
    const order = tasks.map((id, i) => ({ id, i, k: key(id, i) })).sort((a, b) => a.k - b.k || a.i - b.i);
    order.forEach(({ id }, r) => {
      row.set(id, r);
      const x = BAND_PAD + column * (size.w + COLUMN_GAP);
      nodes.push({ id, x, y: BAND_PAD + r * (size.h + ROW_GAP), width: size.w, height: size.h, group });
    });
    tallest = Math.max(tallest, order.length);
  });
  const at = new Map(nodes.map((n) => [n.id, n]));
  const edges = edgesOf(graph).map(([from, to]) => {
    const a = at.get(from) as LayoutNode;
    const b = at.get(to) as LayoutNode;
    return {
      from,
      to,
      points: [
        { x: a.x + a.width, y: a.y + a.height / 2 },
        { x: b.x, y: b.y + b.height / 2 },
      ],
    };
  });
  const columns = graph.groups().length;
  return {
    engine: 'columns',
    width: 2 * BAND_PAD + columns * size.w + Math.max(0, columns - 1) * COLUMN_GAP,
    height: 2 * BAND_PAD + tallest * size.h + Math.max(0, tallest - 1) * ROW_GAP,
    nodes,
    edges,
    groups: bands(nodes),
  };
}

/**
 * Lays out a plan's graph left to right with its execution groups as columns (see the file's
 * header for the two layouts and when each is used). Deterministic: the same graph and
 * options give the same layout.
 *
 * @example
 * const layout = await layoutGraph(ExecutionGraph.fromPlan(plan));
 * JSON.stringify(layout); // { engine: 'elk', width, height, nodes: [{ id, x, y, … }], edges, groups }
 */
export async function layoutGraph(graph: ExecutionGraph, options: GraphLayoutOptions = {}): Promise<GraphLayout> {
  const size = { w: options.nodeWidth ?? 180, h: options.nodeHeight ?? 40 };
  if (graph.size > (options.elkMaxTasks ?? 150)) return columnsLayout(graph, size);
  return elkLayout(graph, size);
}
