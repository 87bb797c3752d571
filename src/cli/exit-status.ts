import type { WorkflowResult } from '../protocol/dispatch-output.js';

/**
 * The exit statuses of `switchyard`, documented in `switchyard --help` and the README: a CI
 * job tells a run that ended `partial` or `failed` from one that completed.
 */
export const ExitStatus = {
  /** Done: the command did its work; `run` and `resume`: the workflow ended `complete`. */
  OK: 0,
  /** An internal bug (`SWITCHYARD_DEBUG=1` shows its stack). */
  INTERNAL: 1,
  /** A coded error, printed on stderr as `switchyard: CODE: …`: bad input or usage. */
  CODED_ERROR: 2,
  /** `run` / `resume`: the workflow ended `partial` (some tasks failed or were skipped). */
  PARTIAL: 3,
  /** `run` / `resume`: the workflow ended `failed`. */
  FAILED: 4,
  /** `run` / `resume` stopped by Ctrl-C or SIGTERM (with `--db`, recorded as cancelled, resumable). */
  INTERRUPTED: 130,
} as const;

/** The exit status of a run that ended with `result`. */
export function runExitStatus(result: Pick<WorkflowResult, 'status'>): number {
  switch (result.status) {
    case 'complete':
      return ExitStatus.OK;
    case 'partial':
      return ExitStatus.PARTIAL;
    case 'failed':
      return ExitStatus.FAILED;
    default:
      return result.status satisfies never;
  }
}

/** The help paragraph on exit statuses. */
export const exitStatusHelp = `Exit status: 0 done (run, resume, dispatch: the workflow ended complete); 2 a coded
error on stderr (bad input or usage); 3 run/resume/dispatch ended partial; 4 ended
failed; 130 run/resume/dispatch stopped by Ctrl-C or SIGTERM; 1 an internal bug
(SWITCHYARD_DEBUG=1 shows its stack).

Input: JSON files over 64 MiB or nested more than 512 levels are refused (exit 2);
set SWITCHYARD_MAX_INPUT_BYTES / SWITCHYARD_MAX_INPUT_DEPTH to change the limits.
`;
