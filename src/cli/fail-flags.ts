import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { decimalInteger } from './numeric-flags.js';

/** A task to fail on purpose: recoverably or not, every attempt or the first `times`. */
export interface FailSpec {
  readonly recoverable: boolean;
  readonly times?: number;
}

/** Help line for `--fail`. */
export const failFlagHelp = `  --fail <spec>      make a task fail: task_5 fails for good at once;
                     task_5:recoverable fails recoverably on every attempt (so it is
                     retried, then fails); task_5:recoverable:1 fails only attempt 1
`;

/** Parses repeated `--fail` values (`task_5`, `task_5:recoverable`, `task_5:recoverable:2`). */
export function parseFailFlags(specs: readonly string[]): Record<string, FailSpec> {
  const out: Record<string, FailSpec> = {};
  for (const spec of specs) {
    const [task, kind, times, ...rest] = spec.split(':');
    const n = times === undefined ? undefined : decimalInteger(times);
    if (
      !task ||
      rest.length > 0 ||
      (kind !== undefined && kind !== 'recoverable') ||
      (times !== undefined && (n === undefined || n < 1 || n > 100))
    ) {
      throw new SwitchyardError(
        ErrorCodes.USAGE_ERROR,
        `--fail takes <task>, <task>:recoverable or <task>:recoverable:<times>, got ${JSON.stringify(spec)}.`,
        { spec },
      );
    }
    out[task] = n === undefined ? { recoverable: kind === 'recoverable' } : { recoverable: true, times: n };
  }
  return out;
}
