import { fileURLToPath } from 'node:url';
import { parseCommandArgs, positionals } from '../args.js';
import { describe } from '../graph-summary.js';
import type { Output } from '../io.js';
import { loadGraph } from '../load-graph.js';
import { simulateCommand } from './simulate.js';

/** The example plan shipped with the package (same relative place from `src/` and `dist/`). */
export const examplePlanPath = fileURLToPath(new URL('../../../examples/video-analysis/plan.json', import.meta.url));

export const demoHelp = `Usage: switchyard demo

Analyses the example video-analysis plan (seed 003's 12-task workflow) — validation,
execution groups, critical path, dependency notes — then simulates a run through the
dispatch core with instant synthetic agent results.
`;

/** `switchyard demo` (what `npm start` runs). */
export function demoCommand(argv: string[], io: Output): number {
  const { values, positionals: given } = parseCommandArgs('demo', argv, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.out(demoHelp);
    return 0;
  }
  positionals('demo', given, []);
  const graph = loadGraph(examplePlanPath);
  io.out(`Switchyard — example plan: examples/video-analysis/plan.json\n\n`);
  io.out(`✓ valid plan\n${describe(graph).join('\n')}\n\nExecution groups (all ready tasks of a group are dispatched together):\n`);
  for (const g of graph.groups()) {
    io.out(`  group ${g.group}: ${g.tasks.map((id) => `${id} ${JSON.stringify(graph.task(id)?.action ?? '')}`).join('\n           ')}\n`);
  }
  io.out(`\nA simulated run through the dispatch core (instant synthetic agent results):\n\n`);
  simulateCommand([examplePlanPath], io);
  io.out(`\nNext: switchyard simulate examples/video-analysis/plan.json --fail task_5:recoverable   (seed 003's Example 4)\n      switchyard graph examples/video-analysis/plan.json --mermaid --critical-path\n`);
  return 0;
}
