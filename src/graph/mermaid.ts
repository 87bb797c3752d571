import type { TaskStatus } from '../protocol/workflow-state.js';
import type { ExecutionGraph } from './execution-graph.js';

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

const RESERVED = new Set(['end', 'graph', 'subgraph', 'flowchart', 'class', 'classDef', 'click', 'style', 'linkStyle', 'direction']);

function escapeLabel(text: string): string {
  return text.replace(/[\r\n]+/gu, ' ').replace(/"/gu, '#quot;').replace(/</gu, '#lt;').replace(/>/gu, '#gt;');
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}

/**
 * Renders the graph as a Mermaid `flowchart`: one node per task (id and action), solid edges
 * for declared dependencies, dotted edges labelled with the ref for dependencies only a ref
 * implies, execution groups as subgraphs, and task status as colours.
 */
export function toMermaid(graph: ExecutionGraph, options: MermaidOptions = {}): string {
  const { status = {}, groups = true, criticalPath = false, direction = 'TD', maxLabel = 48 } = options;
  const ids = graph.taskIds();
  const nodeId = new Map<string, string>();
  ids.forEach((id, i) => nodeId.set(id, /^[A-Za-z][\w]*$/u.test(id) && !RESERVED.has(id) ? id : `t${i}`));
  const lines = [`flowchart ${direction}`];
  const node = (id: string) => {
    const action = graph.task(id)?.action ?? '';
    const label = action ? `${id}: ${cut(action, maxLabel)}` : id;
    return `${nodeId.get(id)}["${escapeLabel(label)}"]`;
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
    for (let i = 1; i < path.length; i++) onPath.add(`${path[i - 1]}>${path[i]}`);
  }
  const thick: number[] = [];
  let edgeIndex = 0;
  for (const to of ids) {
    const declared = graph.task(to)?.depends_on ?? [];
    for (const from of graph.dependenciesOf(to)) {
      const ref = graph.edgeRef(from, to);
      const arrow = ref !== undefined && !declared.includes(from) ? ` -. ${escapeLabel(ref)} .-> ` : ' --> ';
      lines.push(`  ${nodeId.get(from)}${arrow}${nodeId.get(to)}`);
      if (onPath.has(`${from}>${to}`)) thick.push(edgeIndex);
      edgeIndex++;
    }
  }
  if (thick.length > 0) lines.push(`  linkStyle ${thick.join(',')} stroke-width:4px`);
  const used = new Set<TaskStatus>();
  for (const id of ids) {
    const s = status[id];
    if (s === undefined) continue;
    used.add(s);
    lines.push(`  class ${nodeId.get(id)} ${s}`);
  }
  for (const s of used) lines.push(`  classDef ${s} ${STATUS_STYLE[s]}`);
  return `${lines.join('\n')}\n`;
}
