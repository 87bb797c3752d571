import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, SwitchyardError } from '../../protocol/errors.js';
import { parseCommandArgs, positionals } from '../args.js';
import { ExitStatus } from '../exit-status.js';
import { failFlagHelp } from '../fail-flags.js';
import { describe } from '../graph-summary.js';
import type { Output } from '../io.js';
import { loadGraph } from '../load-graph.js';
import { wholeNumber } from '../numeric-flags.js';
import { dbPath } from '../open-store.js';
import { runCommand } from './run.js';
import { serveCommand } from './serve.js';

/** The example plan and its handlers, shipped with the package (same relative place from `src/` and `dist/`). */
export const examplePlanPath = fileURLToPath(new URL('../../../examples/video-analysis/plan.json', import.meta.url));
export const exampleAgentsPath = fileURLToPath(new URL('../../../examples/video-analysis/agents.mjs', import.meta.url));

export const demoHelp = `Usage: switchyard demo [--fail <spec>]... [--db file] [--serve [--port n]]

Analyses the example video-analysis plan (seed 003's 12-task workflow) — validation,
groups, critical path, dependency notes — then runs it for real: the example handlers
(examples/video-analysis/agents.mjs) run in worker threads and write each task's
artifacts under ./.switchyard-storage (or $SWITCHYARD_STORAGE) as file:// URIs. The run is
recorded in the state database, so the dashboard of \`switchyard serve\` shows it.

${failFlagHelp}                     e.g. --fail task_5:recoverable plays seed 003's Example 4
  --db <file>        where the run is recorded (default $SWITCHYARD_DB, else ./switchyard.db)
  --serve            then serve the dashboard on it (switchyard serve) until Ctrl-C
  --port <n>         the dashboard's port with --serve (default 7878)
`;

/** `switchyard demo` (what `npm start` runs). */
export async function demoCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals: given } = parseCommandArgs('demo', argv, {
    fail: { type: 'string', multiple: true },
    db: { type: 'string' },
    serve: { type: 'boolean' },
    port: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(demoHelp);
    return 0;
  }
  positionals('demo', given, []);
  const port = wholeNumber('port', values.port, 1, 65_535, '') ?? 7878;
  if (values.port !== undefined && !values.serve)
    throw new SwitchyardError(ErrorCodes.USAGE_ERROR, "--port is the dashboard's port: give it with --serve.", {
      flag: 'port',
    });
  const db = dbPath(values.db);
  const runId = `demo-${new Date().toISOString().replace(/[-:]/gu, '').replace(/\..*$/u, '')}-${randomBytes(2).toString('hex')}`;
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
    [
      examplePlanPath,
      '--agents',
      exampleAgentsPath,
      '--db',
      db,
      '--run-id',
      runId,
      ...(values.fail ?? []).flatMap((f) => ['--fail', f]),
    ],
    io,
  );
  const page = `http://127.0.0.1:${port}/#/runs/${runId}`;
  if (values.serve) {
    io.out(`\nThe dashboard: ${page}  (graph, timeline, time travel; Ctrl-C stops)\n`);
    return serveCommand(['--db', db, '--agents', exampleAgentsPath, '--port', String(port)], io);
  }
  io.out(
    `\nSee it in the browser: npx switchyard serve --db ${db} --agents examples/video-analysis/agents.mjs\n      then open ${page}   (or: npm start -- --serve)\n\nNext: npm start -- --fail task_5:recoverable           (seed 003's Example 4, live)\n      switchyard simulate examples/video-analysis/plan.json --fail task_5:recoverable\n      switchyard graph examples/video-analysis/plan.json --mermaid --critical-path\n      switchyard run examples/video-analysis/plan.json --agents examples/video-analysis/agents.mjs --db runs.db   (recorded: kill it, then switchyard resume)\n      README: the same run across two terminals over NATS (switchyard runtime --nats …)\n`,
  );
  // The demo shows failures on purpose (--fail): a run that ended partial or failed is its success.
  return status === ExitStatus.PARTIAL || status === ExitStatus.FAILED ? ExitStatus.OK : status;
}
