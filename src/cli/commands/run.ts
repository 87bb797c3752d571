import { writeFileSync } from 'node:fs';
import type { InspectionEvent } from 'xstate';
import { createRuntime } from '../../runtime/create-runtime.js';
import type { WorkflowResult } from '../../protocol/dispatch-output.js';
import { ErrorCodes, SwitchyardError } from '../../protocol/errors.js';
import { parseCommandArgs, positionals } from '../args.js';
import { dispatchOptions, dispatchOptionsHelp } from '../dispatch-flags.js';
import { failFlagHelp, parseFailFlags } from '../fail-flags.js';
import { type Output, readJson } from '../io.js';
import { cliLogger } from '../logger.js';
import { ProgressView } from '../progress-view.js';

export const runHelp = `Usage: switchyard run <plan.json|-> --agents <module> [options]

Runs a plan for real: agent handler modules are loaded into worker threads, register
with the dispatcher, and the supervisor drives the plan to its end. Progress goes to
stderr (a bar on a terminal, plain lines otherwise); the summary table and the
workflow_result JSON go to stdout. Exit status 0 when the run ended (complete,
partial or failed), 2 for unusable input.

  --agents <module>  a handler module exporting defineAgent(...) or a list (repeatable)
${dispatchOptionsHelp.split('\n').filter((l) => l.startsWith('  --policy') || l.startsWith('  --max-attempts')).join('\n')}
${failFlagHelp}  --threads <n>      worker threads (default 2)
  --concurrency <n>  attempts one worker runs at once (default 1)
  --timeout <ms>     deadline of one attempt (default 300000)
  --state-out <file> write the final workflow_state (for graph --status)
  --json             print only the workflow_result JSON on stdout
  --log-level <l>    pino level for Switchyard's own logs on stderr (default warn)
  --inspect          run every task as an XState actor and stream them to the Stately
                     inspector through a local server (see --inspect-port); open the
                     printed address in a browser — the inspector UI loads from
                     stately.ai, so that page needs internet
  --inspect-port <n> port of the local inspector server (default 8080)
`;

function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new SwitchyardError(ErrorCodes.USAGE_ERROR, `--${flag} must be a whole number from 1 up, got ${JSON.stringify(value)}.`, { flag });
  return n;
}

/** The summary table of a finished run. */
export function summaryTable(result: WorkflowResult, summaries: Readonly<Record<string, { result_summary: string | null }>>): string {
  const rows = Object.entries(result.task_results).map(([id, t]) => [id, t.status, String(t.attempts), summaries[id]?.result_summary ?? '']);
  const header = ['task', 'status', 'attempts', 'summary'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => Math.min(r[i].length, i === 3 ? 70 : 40))));
  const line = (r: string[]) => r.map((c, i) => (c.length > widths[i] ? `${c.slice(0, widths[i] - 1)}…` : c.padEnd(widths[i]))).join('  ').trimEnd();
  const status = `workflow ${result.status}: ${result.completed_tasks} complete, ${result.failed_tasks} failed, ${result.skipped_tasks} skipped of ${result.total_tasks}`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), '', status].join('\n');
}

/** `switchyard run`. */
export async function runCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals: given } = parseCommandArgs('run', argv, {
    agents: { type: 'string', multiple: true },
    policy: { type: 'string' },
    'max-attempts': { type: 'string' },
    fail: { type: 'string', multiple: true },
    threads: { type: 'string' },
    concurrency: { type: 'string' },
    timeout: { type: 'string' },
    'state-out': { type: 'string' },
    json: { type: 'boolean' },
    'log-level': { type: 'string' },
    inspect: { type: 'boolean' },
    'inspect-port': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(runHelp);
    return 0;
  }
  const [path] = positionals('run', given, ['plan.json']);
  if (!values.agents || values.agents.length === 0) throw new SwitchyardError(ErrorCodes.USAGE_ERROR, '`switchyard run` needs --agents <module>: the handler module(s) to host. Run `switchyard run --help` for usage.');
  const { policy, maxAttempts } = dispatchOptions('run', { policy: values.policy, 'max-attempts': values['max-attempts'] });
  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
  if (values['log-level'] !== undefined && !levels.includes(values['log-level'])) throw new SwitchyardError(ErrorCodes.USAGE_ERROR, `--log-level must be one of ${levels.join(', ')}.`);
  const plan = readJson(path, 'plan');
  const faults = parseFailFlags(values.fail ?? []);
  const inspector = values.inspect ? await startInspector(positiveInt('inspect-port', values['inspect-port']) ?? 8080, io) : undefined;
  const rt = await createRuntime({
    ...(inspector ? { inspect: inspector.inspect } : {}),
    agents: values.agents,
    pool: { maxThreads: positiveInt('threads', values.threads) ?? 2, concurrentTasksPerWorker: positiveInt('concurrency', values.concurrency) ?? 1 },
    ...(policy === undefined ? {} : { policy }),
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
    ...(values.timeout === undefined ? {} : { taskTimeoutMs: positiveInt('timeout', values.timeout) }),
    faults,
    logger: cliLogger(values['log-level'] ?? 'warn', io.errIsTTY ?? false),
  });
  try {
    let run;
    try {
      run = rt.submit(plan);
    } catch (error) {
      await rt.close();
      throw error;
    }
    const unknown = Object.keys(faults).filter((id) => run.state().task_states[id] === undefined);
    if (unknown.length > 0) {
      run.cancel('--fail names tasks the plan does not have');
      throw new SwitchyardError(ErrorCodes.USAGE_ERROR, `--fail names ${unknown.join(', ')}, which the plan does not have.`, { task_ids: unknown });
    }
    const view = new ProgressView({ write: io.err, tty: io.errIsTTY ?? false });
    run.on('dispatch', (m) => view.dispatch(m));
    run.on('result', (r) => view.result(r));
    run.on('progress', (p) => view.progress(p));
    const result = await run.result;
    view.finish();
    const state = run.state();
    if (values['state-out'] !== undefined) writeFileSync(values['state-out'], `${JSON.stringify(state, null, 2)}\n`);
    if (!values.json) io.out(`\n${summaryTable(result, state.task_states)}\n\n`);
    io.out(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } finally {
    await rt.close({ cancel: true });
    inspector?.stop();
  }
}

/** A local inspector server and a WebSocket inspector feeding it (`@statelyai/inspect`). */
async function startInspector(port: number, io: Output): Promise<{ inspect: (event: InspectionEvent) => void; stop(): void }> {
  const { createInspectorServer } = await import('@statelyai/inspect/server');
  const { createWebSocketInspector } = await import('@statelyai/inspect');
  const server = createInspectorServer({ port, autoOpen: false });
  const inspector = createWebSocketInspector({ url: `ws://localhost:${port}` });
  io.err(`Inspector: open http://localhost:${port} to watch the run (the Stately inspector UI it embeds loads from stately.ai and needs internet).\n`);
  return {
    inspect: (event) => inspector.inspect.next?.(event),
    stop() {
      inspector.stop();
      server.stop();
    },
  };
}
