import { parseCommandArgs, positionals } from '../args.js';
import { summarize } from '../graph-summary.js';
import { type Output, readJson } from '../io.js';
import { loadGraph } from '../load-graph.js';
import { taskStatuses } from '../task-statuses.js';

export const graphHelp = `Usage: switchyard graph <plan.json|-> [options]

Prints a plan's execution groups (and its critical path), or the graph as Mermaid.

  --mermaid          print a Mermaid flowchart instead of the group listing
  --critical-path    print the critical path (with --mermaid: draw its edges thick)
  --status <file>    colour tasks by status, read from a workflow_state, a step
                     output, a workflow_complete message or a {task: status} map
  --lr               lay the Mermaid flowchart out left to right
  --json             print groups, order, width, critical path and every edge
                     with its type (edges: task_id waits for depends_on; type
                     data, logical or resource; origin, reason, ref_id, resource)
                     as JSON
`;

/** `switchyard graph`: groups, critical path or Mermaid for a plan. */
export function graphCommand(argv: string[], io: Output): number {
  const { values, positionals: given } = parseCommandArgs('graph', argv, {
    mermaid: { type: 'boolean' },
    'critical-path': { type: 'boolean' },
    status: { type: 'string' },
    lr: { type: 'boolean' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(graphHelp);
    return 0;
  }
  const [path] = positionals('graph', given, ['plan.json']);
  const graph = loadGraph(path);
  const status =
    values.status === undefined
      ? undefined
      : taskStatuses(readJson(values.status, 'status file'), JSON.stringify(values.status));
  if (values.mermaid) {
    io.out(
      graph.toMermaid({ status, criticalPath: values['critical-path'] ?? false, direction: values.lr ? 'LR' : 'TD' }),
    );
    return 0;
  }
  if (values.json) {
    const edges = graph.typedEdges();
    io.out(
      `${JSON.stringify({ ...summarize(graph, edges), order: graph.topologicalOrder(), execution_groups: graph.groups(), edges }, null, 2)}\n`,
    );
    return 0;
  }
  for (const g of graph.groups()) {
    const marks = g.tasks.map((id) => (status?.[id] ? `${id} (${status[id]})` : id));
    io.out(`group ${g.group}: ${marks.join(', ')}\n`);
  }
  if (values['critical-path']) {
    const cp = graph.criticalPath();
    io.out(`critical path (weight ${cp.weight}): ${cp.tasks.join(' → ')}\n`);
  }
  return 0;
}
