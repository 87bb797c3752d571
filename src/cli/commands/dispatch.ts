import type { WorkflowRun } from '../../actors/workflow-run.js';
import { systemScheduler } from '../../core/scheduler.js';
import type { Decomposition } from '../../planning/decompose.js';
import type { WorkflowResult } from '../../protocol/dispatch-output.js';
import { SwitchyardError } from '../../protocol/errors.js';
import type { ExecutionResult } from '../../protocol/execution-result.js';
import { planSpecification } from '../../runtime/dispatch.js';
import { trackExecution } from '../../runtime/execution-tracker.js';
import { parseCommandArgs, positionals } from '../args.js';
import { dispatchOptionsHelp } from '../dispatch-flags.js';
import { failFlagHelp } from '../fail-flags.js';
import { builtInFlags, builtInFlagsHelp, hostedAgents } from '../built-in-flags.js';
import { hostingFromFlags } from '../hosting.js';
import { inspectorFlags, inspectorFlagsHelp } from '../inspector-flags.js';
import type { Output } from '../io.js';
import { llmFlags, llmFlagsHelp, llmFromFlags } from '../llm-flags.js';
import { nonNegativeInt } from '../numeric-flags.js';
import { runSession, sessionFlags, sessionFlagsHelp } from '../run-session.js';
import { dispatchRunner } from '../recorded-dispatch.js';
import { presentExecution } from '../execution-output.js';
import { readSpecFile, specFormat } from '../spec-input.js';
import { submitPlan } from './run.js';

export const dispatchHelp = `Usage: switchyard dispatch <spec.md|spec.json|-> [--mcp mcp.json] [--llm url --model m] [options]

The whole pipeline in one command (seed 002's dispatch): plans the specification (the
pattern rules, or a model with --llm), checks the plan and that every task has an agent,
runs it in worker threads, and reports. Progress goes to stderr; the Markdown report
(summary, tasks, failures, artifacts, metrics per agent type) to stdout, or with --json
the whole ExecutionResult. Exit status as \`run\`: 0 complete, 3 partial, 4 failed, 2
unusable input, 130 stopped by Ctrl-C or SIGTERM.

Without --agents it hosts the built-in agents, each task type routed to its own: the
researcher, the reasoning agent (design, review, synthesis), the code writer (code, docs)
and the tester (tests, integration, run in the code writer's workspace). --llm and --model
give them their model too. With no model, the code, docs, test and integration tasks go to
the MCP tools --mcp maps, and the researcher and reasoning agent report their inputs
without synthesis, saying so.

  --mcp <mcp.json>   host the built-in MCP execution agent with this config (see the
                     README's "Built-in agents"); with --agents, after their modules, so
                     it takes the execution_agent role for the capabilities it maps
${builtInFlagsHelp}  --agents <module>  host these handler modules instead of the built-in agents (repeatable)
  --report <file>    also write the Markdown report to this file
  --html <file>      also write the self-contained HTML report (graph, Gantt, tables) to this file
  --format <md|json> how the specification is written (default: from the file name)
  --resolve-cycles   break dependency cycles at their weakest edge instead of refusing
${dispatchOptionsHelp
  .split('\n')
  .filter((l) => l.startsWith('  --policy') || l.startsWith('  --max-attempts'))
  .join('\n')}
${failFlagHelp}${sessionFlagsHelp}  --db <file>        record the run in this SQLite file (or $SWITCHYARD_DB) so
                     \`switchyard resume\` can continue it after a crash
  --run-id <id>      the run's id (default: a new unique one)
  --allow-unserved   start even when no agent serves some tasks (they fail when dispatched)
${inspectorFlagsHelp}${llmFlagsHelp}`;

const flags = {
  ...sessionFlags,
  ...builtInFlags,
  ...inspectorFlags,
  ...llmFlags,
  mcp: { type: 'string' },
  report: { type: 'string' },
  html: { type: 'string' },
  format: { type: 'string' },
  'resolve-cycles': { type: 'boolean' },
  policy: { type: 'string' },
  'max-attempts': { type: 'string' },
  fail: { type: 'string', multiple: true },
  'run-id': { type: 'string' },
  'allow-unserved': { type: 'boolean' },
} as const;

/** Plans the specification at `path` as the flags say; a cycle's error says how to break it. */
async function planFromFlags(path: string, values: Record<string, unknown>, io: Output): Promise<Decomposition> {
  specFormat(path, values.format as string | undefined);
  const maxRepairs = nonNegativeInt('max-repairs', values['max-repairs'] as string | undefined, 10);
  const llm = llmFromFlags(values);
  const spec = readSpecFile(path, values.format as string | undefined);
  try {
    return await planSpecification(spec, {
      ...(llm ? { llm } : {}),
      planning: {
        ...(maxRepairs === undefined ? {} : { maxRepairs }),
        resolveCycles: values['resolve-cycles'] === true,
        onNotice: (message) => io.err(`switchyard dispatch: ${message}\n`),
      },
    });
  } catch (error) {
    if (!(error instanceof SwitchyardError) || error.details.reason !== 'cycle') throw error;
    throw new SwitchyardError(
      error.code,
      `${error.message} Run with --resolve-cycles to break each cycle at its weakest edge, or change the specification.`,
      error.details,
    );
  }
}

/** `switchyard dispatch`. */
export async function dispatchCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals: given } = parseCommandArgs('dispatch', argv, flags);
  if (values.help) {
    io.out(dispatchHelp);
    return 0;
  }
  const [path] = positionals('dispatch', given, ['spec.md']);
  const planned = await planFromFlags(path, values, io);
  const extras = await hostedAgents(values);
  const { session, runner, store } = await hostingFromFlags('dispatch', values, planned.plan, io, extras);
  let finish: ((result: WorkflowResult) => ExecutionResult) | undefined;
  const follow = (run: WorkflowRun) => {
    finish = trackExecution(run, { plan: planned.plan, planning: { ...planned.report }, scheduler: systemScheduler });
  };
  return runSession(
    {
      ...session,
      start: submitPlan(
        planned.plan,
        { runId: values['run-id'], allowUnserved: values['allow-unserved'] === true, follow },
        dispatchRunner(runner, planned.report), // so `switchyard resume` reports it as dispatch does
        store,
        io,
      ),
      async present(_run, result) {
        if (finish) await presentExecution(finish(result), values, io);
      },
    },
    io,
  );
}
