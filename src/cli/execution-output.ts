import { writeFileSync } from 'node:fs';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import type { ExecutionResult } from '../protocol/execution-result.js';
import type { Output } from './io.js';
import { writeJson } from './json-out.js';

/**
 * Prints an execution as `switchyard dispatch` does — the Markdown report, or with `json` the
 * whole ExecutionResult — and writes the report to `report` when given (`FILE_ERROR` naming the
 * file when it cannot). `switchyard resume` of a dispatch run prints through here.
 */
export function presentExecution(
  execution: ExecutionResult,
  values: { json?: boolean | undefined; report?: string | undefined },
  io: Output,
): void {
  if (values.report !== undefined) {
    try {
      writeFileSync(values.report, execution.report);
    } catch (error) {
      throw new SwitchyardError(
        ErrorCodes.FILE_ERROR,
        `Cannot write the report to ${JSON.stringify(values.report)}: ${(error as Error).message}.`,
        { path: values.report },
      );
    }
  }
  if (values.json) writeJson(io.out, execution);
  else io.out(execution.report);
}
