import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type Scheduler, systemScheduler } from '../../core/scheduler.js';
import { type AgentContext, type AgentDefinition, AgentError, defineAgent } from '../../pool/agent.js';
import { type AgentFactoryEnv, defineAgentFactory } from '../../pool/agent-factory.js';
import { type ChildProcesses, noChildProcesses } from '../../pool/child-processes.js';
import type { Dispatch } from '../../protocol/dispatch-output.js';
import { ErrorCodes } from '../../protocol/errors.js';
import { killGroup, type ProcessRun, runProcess } from './run-process.js';
import { readRunnerOutput } from './runner-output.js';
import { invocation, TesterAgentOptionsSchema, type TesterSettings } from './tester-options.js';
import { type TestReport, verdict } from './test-report.js';

export { TesterAgentOptionsSchema, type TesterAgentOptions } from './tester-options.js';

const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

const fail = (code: string, message: string, recoverable = false) => new AgentError(code, message, { recoverable });

/** The directory a JSON input names: its `directory` (a path), or a code writer manifest's `workspace` (a `file:` URL). */
function directoryInJson(text: string): string {
  try {
    const value = JSON.parse(text) as { directory?: unknown; workspace?: unknown };
    if (typeof value.directory === 'string') return value.directory;
    if (typeof value.workspace === 'string' && value.workspace.startsWith('file:'))
      return fileURLToPath(value.workspace);
  } catch {
    // Not JSON, or not a file URL: reported below as what the input holds.
  }
  return '';
}

/** The directory named by the task's first input ref: an absolute path, JSON `{ "directory": … }`, or a code writer manifest. */
async function directoryFromInput(dispatch: Dispatch, ctx: AgentContext): Promise<string> {
  const first = dispatch.input_refs_resolved[0];
  if (!first)
    throw fail(
      ErrorCodes.INVALID_INPUT,
      `${dispatch.task_id} has no input ref naming the directory to test, and the tester has no \`cwd\` option: set one of them.`,
    );
  const text = (await ctx.readText(first.ref_id)).trim();
  const named = text.startsWith('{') ? directoryInJson(text) : text;
  if (!isAbsolute(named))
    throw fail(
      ErrorCodes.INVALID_INPUT,
      `Input ref ${first.ref_id} of ${dispatch.task_id} should name the directory to test as an absolute path (or JSON with a "directory" field, or the code writer's manifest); it holds ${JSON.stringify(text.slice(0, 120))}.`,
    );
  return named;
}

async function directoryOf(o: TesterSettings, dispatch: Dispatch, ctx: AgentContext): Promise<string> {
  const dir = o.cwd !== undefined ? resolve(o.cwd) : await directoryFromInput(dispatch, ctx);
  const found = await stat(dir).catch(() => undefined);
  if (!found?.isDirectory())
    throw fail(ErrorCodes.INVALID_INPUT, `The directory to test, ${dir}, does not exist or is not a directory.`);
  return dir;
}

function environment(o: TesterSettings): NodeJS.ProcessEnv {
  // The worker's own test-runner context must not leak into the suite's runner.
  const { NODE_TEST_CONTEXT: _context, ...inherited } = process.env;
  return { ...inherited, NO_COLOR: '1', FORCE_COLOR: '0', ...o.env };
}

/** What the run's end means when the runner never got to report: the agent's failure for it. */
function startFailure(run: ProcessRun, label: string, cwd: string, o: TesterSettings): AgentError | undefined {
  const { end } = run;
  if (end.kind === 'not-started')
    return fail(
      ErrorCodes.CAPABILITY_NOT_AVAILABLE,
      `The test runner ${label} could not be started in ${cwd} (${end.error.code ?? end.error.message}); install it or set the tester's \`command\`.`,
    );
  if (end.kind === 'timeout')
    return fail('TIMEOUT', `${label} in ${cwd} ran longer than ${o.timeoutMs} ms; its processes were killed.`, true);
  if (o.runner === 'pytest' && /No module named pytest/u.test(run.output))
    return fail(
      ErrorCodes.CAPABILITY_NOT_AVAILABLE,
      `pytest is not installed for ${label.split(' ')[0]} in ${cwd}; install it (python3 -m pip install pytest) or set the tester's \`command\`.`,
    );
  return undefined;
}

/** A green run that reported no test, when `requireTests` asks for some. */
function noTests(
  o: TesterSettings,
  report: TestReport,
  parsed: boolean,
  uri: string | undefined,
): AgentError | undefined {
  if (!o.requireTests || !parsed || report.passed + report.failed > 0) return undefined;
  return fail(
    'NO_TESTS',
    `${report.command} in ${report.cwd} ran no test (${report.skipped} skipped): a suite that tests nothing cannot pass a testing task. Add tests there, point the tester elsewhere, or set requireTests: false.${uri === undefined ? '' : ` Report: ${uri}.`}`,
  );
}

/** What one tester agent keeps across its attempts: the process groups of the suites running, as its `close()` and, when the worker dies, the host end them; and the clock of their timeouts. */
interface Running {
  readonly groups: Set<number>;
  readonly children: ChildProcesses;
  readonly scheduler: Scheduler;
}

async function handle(o: TesterSettings, running: Running, dispatch: Dispatch, ctx: AgentContext) {
  const cwd = await directoryOf(o, dispatch, ctx);
  const { command, args } = invocation(o);
  const label = [o.command === undefined ? o.runner : command, ...args].join(' ').slice(0, 200);
  ctx.progress({ message: `running ${label} in ${cwd}` });
  const started = performance.now();
  const run = await runProcess({
    command,
    args,
    cwd,
    env: environment(o),
    timeoutMs: o.timeoutMs,
    scheduler: running.scheduler,
    signal: ctx.signal,
    maxOutputBytes: MAX_OUTPUT_BYTES,
    onStart: (pid) => {
      running.groups.add(pid);
      running.children.register(pid, { group: true, label: label.slice(0, 120) });
    },
  });
  // The run has ended and its group has been killed: the pid may be reused from now on.
  if (run.pid !== undefined) {
    running.groups.delete(run.pid);
    running.children.unregister(run.pid);
  }
  // Aborted: the runtime reports ABORTED (recoverable) for anything but an AgentError.
  if (run.end.kind === 'aborted') throw ctx.signal.reason ?? new Error('aborted');
  const counts = readRunnerOutput(o.runner, run.output);
  const report: TestReport = {
    runner: o.runner,
    command: label,
    cwd,
    passed: counts.passed,
    failed: counts.failed,
    skipped: counts.skipped,
    failing: counts.failing,
    duration_ms: Math.round(performance.now() - started),
    exit_code: run.end.kind === 'exited' ? run.end.code : null,
    timed_out: run.end.kind === 'timeout',
    output_tail: o.tailChars === 0 ? '' : run.output.slice(-o.tailChars),
  };
  const out = dispatch.output_refs_expected[0];
  const uri =
    out === undefined
      ? undefined
      : await ctx.write(out, `${JSON.stringify(report, null, 2)}\n`, { assetType: 'application/json' });
  const problem =
    startFailure(run, label, cwd, o) ?? verdict(report, run, uri) ?? noTests(o, report, counts.parsed, uri);
  if (problem) throw problem;
  const summary = `${label} in ${cwd}: ${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped (${report.duration_ms} ms)`;
  return { summary: counts.parsed ? summary : `${summary}; exit code 0, no counts could be read` };
}

/**
 * The tester agent, built from its options: runs a test suite in a subprocess (its own
 * process group), writes the report as the task's first output ref, completes when the suite
 * is green, fails non-recoverably (`TESTS_FAILED`) naming the failing tests when it is red.
 * `close()` kills the process groups of suites still running; each group is registered in
 * `env.children` while it runs, so the host kills it if the worker thread dies. `env.scheduler`
 * times the suite's `timeoutMs`: the system's by default (a module's options cross to its worker
 * thread as JSON, so only an agent built in-process, as tests build it, can be given another).
 */
export function createTesterAgent(
  options: unknown,
  env: Partial<Pick<AgentFactoryEnv, 'children'>> & { readonly scheduler?: Scheduler } = {},
): AgentDefinition {
  const o = TesterAgentOptionsSchema.parse(options);
  const running: Running = {
    groups: new Set(),
    children: env.children ?? noChildProcesses,
    scheduler: env.scheduler ?? systemScheduler,
  };
  return defineAgent({
    name: o.name,
    capabilities: o.capabilities,
    handle: (dispatch, ctx) => handle(o, running, dispatch, ctx),
    close: () => {
      for (const pid of running.groups) {
        killGroup(pid);
        running.children.unregister(pid);
      }
      running.groups.clear();
    },
  });
}

/** The module's default export: `agents: [{ module: testerAgent, options: { runner: 'node', cwd: './app' } }]`. */
export default defineAgentFactory((options, env) => createTesterAgent(options, env));
