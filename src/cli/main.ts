import { readFileSync } from 'node:fs';
import { ErrorCodes, isSwitchyardError, SwitchyardError } from '../protocol/errors.js';
import { cancelTaskCommand } from './commands/cancel-task.js';
import { demoCommand } from './commands/demo.js';
import { dispatchCommand } from './commands/dispatch.js';
import { graphCommand } from './commands/graph.js';
import { planCommand } from './commands/plan.js';
import { pruneCommand } from './commands/prune.js';
import { replayCommand } from './commands/replay.js';
import { resumeCommand } from './commands/resume.js';
import { runCommand } from './commands/run.js';
import { runsCommand } from './commands/runs.js';
import { runtimeCommand } from './commands/runtime.js';
import { showCommand } from './commands/show.js';
import { schemaCommand } from './commands/schema.js';
import { serveCommand } from './commands/serve.js';
import { simulateCommand } from './commands/simulate.js';
import { stepCommand } from './commands/step.js';
import { validateCommand } from './commands/validate.js';
import { ExitStatus, exitStatusHelp } from './exit-status.js';
import { type Output, processOutput } from './io.js';

type Command = (argv: string[], io: Output) => number | Promise<number>;

const commands: Readonly<Record<string, readonly [Command, string]>> = {
  plan: [planCommand, 'turn a specification (Markdown or JSON) into a plan'],
  validate: [validateCommand, 'check a plan and list every problem'],
  graph: [graphCommand, "print a plan's groups, critical path or Mermaid flowchart"],
  run: [runCommand, 'run a plan for real on agent handlers in worker threads'],
  dispatch: [dispatchCommand, 'plan a specification, run it and report, in one command'],
  resume: [resumeCommand, 'continue a recorded run after its process stopped'],
  'cancel-task': [cancelTaskCommand, 'cancel one task (and its dependents) of a run running over NATS'],
  runtime: [runtimeCommand, 'host agent runtimes for a dispatcher elsewhere, over NATS'],
  serve: [serveCommand, 'the HTTP service: runs API, live events, step, metrics'],
  runs: [runsCommand, 'list the runs recorded in a state database'],
  show: [showCommand, 'show one recorded run: tasks, failures, timeline, log'],
  replay: [replayCommand, 'step through a recorded run, or see it as it stood at one step'],
  prune: [pruneCommand, 'delete recorded runs that ended long ago'],
  step: [stepCommand, 'the dispatch agent: one message in, state and messages out'],
  simulate: [simulateCommand, 'drive a whole run through step with synthetic results'],
  schema: [schemaCommand, 'print the JSON Schema of a wire message'],
  demo: [demoCommand, 'analyse the example video-analysis plan'],
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const rows = Object.entries(commands).map(([name, [, what]]) => `  ${name.padEnd(width)}  ${what}`);
  return `Usage: switchyard <command> [options]\n\nCommands:\n${rows.join('\n')}\n\nRun \`switchyard <command> --help\` for a command's options.\n\n${exitStatusHelp}`;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function failure(error: unknown, io: Output): number {
  if (isSwitchyardError(error)) {
    io.err(`switchyard: ${error.code}: ${error.message}\n`);
    return ExitStatus.CODED_ERROR;
  }
  const detail = process.env.SWITCHYARD_DEBUG
    ? `\n${(error as Error).stack ?? ''}`
    : ' (set SWITCHYARD_DEBUG=1 for the stack)';
  io.err(`switchyard: internal error: ${(error as Error).message ?? String(error)}${detail}\n`);
  return ExitStatus.INTERNAL;
}

/**
 * Runs the CLI and returns its exit status ({@link ExitStatus}): 0 done, 2 a coded error (bad
 * input or usage), 1 an unexpected internal error; `run` and `resume` 3 for a workflow that
 * ended partial, 4 failed, 130 interrupted. Never throws; commands that work asynchronously (`run`)
 * return a promise of the status.
 */
export function runCli(argv: string[], io: Output = processOutput): number | Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      io.out(usage());
      return name === undefined ? 2 : 0;
    }
    if (name === '--version' || name === '-v') {
      io.out(`${version()}\n`);
      return 0;
    }
    const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (!entry) {
      throw new SwitchyardError(
        ErrorCodes.USAGE_ERROR,
        `Unknown command ${JSON.stringify(name)}; commands are ${Object.keys(commands).join(', ')}.`,
        { command: name },
      );
    }
    const status = entry[0](rest, io);
    return typeof status === 'number' ? status : status.catch((error: unknown) => failure(error, io));
  } catch (error) {
    return failure(error, io);
  }
}
