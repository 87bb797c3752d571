import { fileURLToPath } from 'node:url';
import { parseCommandArgs, positionals } from '../args.js';
import { ExitStatus } from '../exit-status.js';
import { failFlagHelp } from '../fail-flags.js';
import { describe } from '../graph-summary.js';
import type { Output } from '../io.js';
import { loadGraph } from '../load-graph.js';
import { runCommand } from './run.js';

/** The example plan and its handlers, shipped with the package (same relative place from `src/` and `dist/`). */
export const examplePlanPath = fileURLToPath(new URL('../../../examples/video-analysis/plan.json', import.meta.url));
export const exampleAgentsPath = fileURLToPath(new URL('../../../examples/video-analysis/agents.mjs', import.meta.url));

export const demoHelp = `Usage: switchyard demo [--fail <spec>]...

Analyses the example video-analysis plan (seed 003's 12-task workflow) — validation,
groups, critical path, dependency notes — then runs it for real: the example handlers
(examples/video-analysis/agents.mjs) run in worker threads and write each task's
artifacts under ./.switchyard-storage (or $SWITCHYARD_STORAGE) as file:// URIs.

${failFlagHelp}                     e.g. --fail task_5:recoverable plays seed 003's Example 4
`;

/** `switchyard demo` (what `npm start` runs). */
export async function demoCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals: given } = parseCommandArgs('demo', argv, {
    fail: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(demoHelp);
    return 0;
  }
  positionals('demo', given, []);
  const graph = loadGraph(examplePlanPath);
  io.out(`Switchyard — example plan: examples/video-analysis/plan.json\n\n`);
  io.out(
    `✓ valid plan\n${describe(graph).join('\n')}\n\nExecution groups (all ready tasks of a group are dispatched together):\n`,
  );
  for (const g of graph.groups()) {
    io.out(
      `  group ${g.group}: ${g.tasks.map((id) => `${id} ${JSON.stringify(graph.task(id)?.action ?? '')}`).join('\n           ')}\n`,
    );
  }
  io.out(`\nRunning it on the example handlers in worker threads (progress on stderr):\n`);
  const status = await runCommand(
    [examplePlanPath, '--agents', exampleAgentsPath, ...(values.fail ?? []).flatMap((f) => ['--fail', f])],
    io,
  );
  io.out(
    `\nNext: npm start -- --fail task_5:recoverable           (seed 003's Example 4, live)\n      switchyard simulate examples/video-analysis/plan.json --fail task_5:recoverable\n      switchyard graph examples/video-analysis/plan.json --mermaid --critical-path\n      switchyard run examples/video-analysis/plan.json --agents examples/video-analysis/agents.mjs --db runs.db   (recorded: kill it, then switchyard resume)\n      README: the same run across two terminals over NATS (switchyard runtime --nats …)\n`,
  );
  // The demo shows failures on purpose (--fail): a run that ended partial or failed is its success.
  return status === ExitStatus.PARTIAL || status === ExitStatus.FAILED ? ExitStatus.OK : status;
}
