import { AgentError } from '../../pool/agent.js';
import type { RunnerKind } from './runner-output.js';
import type { ProcessRun } from './run-process.js';

/** The tester's output artifact (JSON). */
export interface TestReport {
  runner: RunnerKind;
  /** The command line, as run (clipped). */
  command: string;
  cwd: string;
  passed: number;
  failed: number;
  skipped: number;
  /** Full names of the failing tests. */
  failing: string[];
  duration_ms: number;
  /** The runner's exit code; `null` when it was killed (timeout) or died of a signal. */
  exit_code: number | null;
  timed_out: boolean;
  /** The last characters of its output (stdout and stderr). */
  output_tail: string;
}

const MAX_NAMES = 20;

/**
 * A red suite's failure, or `undefined` for a green one: red is a non-zero exit code or any
 * failed test. `TESTS_FAILED` is not recoverable (running the same code again gives the same
 * answer); a runner killed by a signal it was not sent (`TEST_RUNNER_KILLED`, say the OOM
 * killer) is.
 */
export function verdict(report: TestReport, run: ProcessRun, uri: string | undefined): AgentError | undefined {
  const where = `${report.command} in ${report.cwd}`;
  const see = uri === undefined ? '' : ` Report: ${uri}.`;
  if (run.end.kind === 'exited' && run.end.code === null)
    return new AgentError(
      'TEST_RUNNER_KILLED',
      `${where} was killed by ${run.end.signal ?? 'a signal'} before it finished.${see}`,
      { recoverable: true },
    );
  if (report.exit_code === 0 && report.failed === 0) return undefined;
  const names = report.failing.slice(0, MAX_NAMES).join('; ');
  const more = report.failing.length > MAX_NAMES ? ` and ${report.failing.length - MAX_NAMES} more` : '';
  const what =
    report.failing.length > 0
      ? `${report.failed || report.failing.length} failing: ${names}${more}`
      : `exit code ${report.exit_code}, and no failing test could be read from its output (see output_tail)`;
  return new AgentError('TESTS_FAILED', `${where} is red: ${what}.${see}`, { recoverable: false });
}
