import { writeFileSync } from 'node:fs';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import type { ExecutionResult } from '../protocol/execution-result.js';
import type { Output } from './io.js';
import { writeJson } from './json-out.js';

/** Writes `text` to `path`, or a FILE_ERROR naming it. */
function writeReport(path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new SwitchyardError(
      ErrorCodes.FILE_ERROR,
      `Cannot write the report to ${JSON.stringify(path)}: ${(error as Error).message}.`,
      { path },
    );
  }
}

/**
 * Prints an execution as `switchyard dispatch` does — the Markdown report, or with `json` the
 * whole ExecutionResult — and writes the report to `report`, and the HTML report to `html`, when given (`FILE_ERROR` naming the
 * file when it cannot). `switchyard resume` of a dispatch run prints through here.
 */
export async function presentExecution(
  execution: ExecutionResult,
  values: { json?: boolean | undefined; report?: string | undefined; html?: string | undefined },
  io: Output,
): Promise<void> {
  if (values.report !== undefined) writeReport(values.report, execution.report);
  if (values.html !== undefined) {
    const { renderHtmlReport } = await import('../server/html-report/render-html-report.js');
    writeReport(values.html, await renderHtmlReport(execution));
  }
  if (values.json) writeJson(io.out, execution);
  else io.out(execution.report);
}
