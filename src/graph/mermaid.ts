import type { TaskStatus } from '../protocol/workflow-state.js';
import { type EdgeTypeSource, type TypedEdge, typedEdgesOf } from './edge-types.js';
import type { ExecutionGraph } from './execution-graph.js';

/** What {@link toMermaid} reads of a graph: an {@link ExecutionGraph} is one. */
export type MermaidSource = Pick<ExecutionGraph, 'taskIds' | 'groups' | 'criticalPath'> & EdgeTypeSource;

/** Options of {@link toMermaid}. */
export interface MermaidOptions {
  /** Colour each task by its status (tasks not listed stay uncoloured). */
  status?: Readonly<Record<string, TaskStatus>>;
  /** Draw each execution group as a subgraph. @default true */
  groups?: boolean;
  /** Draw the critical path's edges thick. @default false */
  criticalPath?: boolean;
  /** Flow direction. @default 'TD' */
  direction?: 'TD' | 'LR';
  /** Longest action text shown in a node before it is cut. @default 48 */
  maxLabel?: number;
}

const STATUS_STYLE: Readonly<Record<TaskStatus, string>> = {
  pending: 'fill:#f2f2f2,stroke:#999999,color:#333333',
  ready: 'fill:#e0ecff,stroke:#5b8def,color:#1a3d7c',
  in_progress: 'fill:#fff3c4,stroke:#d4a300,color:#5c4400',
  complete: 'fill:#d4f5d0,stroke:#3c9a33,color:#1d4d19',
  failed: 'fill:#f9d0d0,stroke:#c43c3c,color:#5c1111',
  skipped: 'fill:#eeeeee,stroke:#aaaaaa,color:#777777,stroke-dasharray:4 3',
};

/**
 * Characters that mean something inside a quoted Mermaid label, each written as an entity
 * code so that it shows as itself: `"` would end the string, `#…;` is an entity, `%%{…}%%`
 * anywhere in the text is a directive (it can change the security level), `<`, `>` and `&`
 * are HTML, a backquote opens a Markdown string, and Mermaid stands `ﬂ°…¶ß` for entities
 * while it parses.
 */
const ENTITY: Readonly<Record<string, string>> = {
  '"': '#quot;',
  '#': '#35;',
  '%': '#37;',
  '&': '#amp;',
  '<': '#lt;',
  '>': '#gt;',
  '`': '#96;',
  '\u00b6': '#182;',
  '\ufb02': '#64258;',
};

/**
 * `text` as the inside of a quoted Mermaid label: one line, every special character coded.
 * The words `style` and `classDef` are coded too: on a line holding either, then `:…#`,
 * Mermaid drops the line's last `;` wherever it stands, and that would be an entity's.
 */
export function mermaidLabel(text: string): string {
  return text
    .replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')
    .replace(/["#%&<>`\u00b6\ufb02]/gu, (c) => ENTITY[c])
    .replace(/style|classDef/gu, (word) => `#${word.charCodeAt(0)};${word.slice(1)}`);
}

/**
 * A task id that can stand as its own node id: a letter, then letters and digits in runs
 * joined by single underscores, with at least one digit or underscore (which keeps out every
 * flowchart keyword: `end`, `click`, `style`, `TD`, … have neither), not a subgraph's
 * `group_<n>`, and without the words `style` or `classDef` (see {@link mermaidLabel}). Every
 * other task is drawn as `t<n>`, numbered past the ids used as they are.
 */
function nodeIds(ids: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  for (const id of ids) {
    if (
      /^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*$/u.test(id) &&
      /[\d_]/u.test(id) &&
      !/^group_\d+$|style|classDef/u.test(id)
    ) {
      out.set(id, id);
      taken.add(id);
    }
  }
  let next = 0;
  for (const id of ids) {
    if (out.has(id)) continue;
    while (taken.has(`t${next}`)) next++;
    out.set(id, `t${next}`);
    taken.add(`t${next++}`);
  }
  return out;
}

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(1, max - 1);
  const last = text.charCodeAt(end - 1);
  if (end > 1 && last >= 0xd800 && last <= 0xdbff) end--; // never split a surrogate pair
  return `${text.slice(0, end)}…`;
}

/** The first line after `flowchart`: the key to the edge styles {@link edgeArrow} draws. */
export const MERMAID_LEGEND =
  '%% edges: solid = data (labelled with the ref read), dotted = logical, dotted ending in a circle = resource (labelled with the resource)';

/**
 * The link between two nodes for one typed edge, its label quoted and coded:
 * - `data` — solid, labelled with the ref the waiting task reads (`a -- "derived_3" --> b`);
 * - `logical` — dotted, labelled `logical`, or `logical (model)` when a model proposed it
 *   (`a -. "logical" .-> b`);
 * - `resource` — dotted with a circle end, labelled `resource: <name>` (`a -. "resource: database" .-o b`):
 *   the two take turns, neither reads the other's output.
 */
function edgeArrow(edge: TypedEdge): string {
  switch (edge.type) {
    case 'data':
      return ` -- "${mermaidLabel(edge.ref_id ?? 'data')}" --> `;
    case 'logical':
      return ` -. "${edge.origin === 'model' ? 'logical (model)' : 'logical'}" .-> `;
    case 'resource':
      return ` -. "${mermaidLabel(edge.resource === undefined ? 'resource' : `resource: ${edge.resource}`)}" .-o `;
    default:
      return edge.type satisfies never;
  }
}

/**
 * Renders the graph as a Mermaid `flowchart`: one node per task (id and action), one edge per
 * dependency drawn by its type ({@link typedEdgesOf}; styles in {@link edgeArrow}, and as a
 * `%%` legend comment on the second line), execution groups as subgraphs, and task status as
 * colours. Every label is quoted and coded ({@link mermaidLabel}), and ids Mermaid could misread
 * are drawn as `t<n>`, so no id, ref, resource or action text can add a statement or a
 * directive to the diagram.
 */
export function toMermaid(graph: MermaidSource, options: MermaidOptions = {}): string {
  const { status = {}, groups = true, criticalPath = false, direction = 'TD', maxLabel = 48 } = options;
  const ids = graph.taskIds();
  const nodeId = nodeIds(ids);
  const lines = [`flowchart ${direction}`, `  ${MERMAID_LEGEND}`];
  const node = (id: string) => {
    const action = graph.task(id)?.action ?? '';
    const label = action ? `${id}: ${cut(action, maxLabel)}` : id;
    return `${nodeId.get(id)}["${mermaidLabel(label)}"]`;
  };
  if (groups) {
    for (const g of graph.groups()) {
      lines.push(`  subgraph group_${g.group} ["Group ${g.group}"]`);
      for (const id of g.tasks) lines.push(`    ${node(id)}`);
      lines.push('  end');
    }
  } else {
    for (const id of ids) lines.push(`  ${node(id)}`);
  }
  const onPath = new Set<string>();
  if (criticalPath) {
    const path = graph.criticalPath().tasks;
    for (let i = 1; i < path.length; i++) onPath.add(`${path[i - 1]}\n${path[i]}`);
  }
  const thick: number[] = [];
  let edgeIndex = 0;
  for (const to of ids) {
    for (const edge of typedEdgesOf(graph, to)) {
      const from = edge.depends_on;
      lines.push(`  ${nodeId.get(from)}${edgeArrow(edge)}${nodeId.get(to)}`);
      if (onPath.has(`${from}\n${to}`)) thick.push(edgeIndex);
      edgeIndex++;
    }
  }
  if (thick.length > 0) lines.push(`  linkStyle ${thick.join(',')} stroke-width:4px`);
  const used = new Set<TaskStatus>();
  for (const id of ids) {
    // Own keys only, and only the six statuses: the map may come from a file.
    const s = Object.hasOwn(status, id) ? status[id] : undefined;
    if (s === undefined || !Object.hasOwn(STATUS_STYLE, s)) continue;
    used.add(s);
    lines.push(`  class ${nodeId.get(id)} ${s}`);
  }
  for (const s of used) lines.push(`  classDef ${s} ${STATUS_STYLE[s]}`);
  return `${lines.join('\n')}\n`;
}
