import { readFileSync } from 'node:fs';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { parseJsonText } from '../protocol/json-text.js';

/** Reads a whole file (or standard input for `-`) as UTF-8, with `FILE_ERROR` naming the file. */
export function readText(path: string, what: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'there is no such file'
      : code === 'EISDIR' ? 'it is a directory'
      : code === 'EACCES' ? 'permission denied'
      : (error as Error).message;
    throw new SwitchyardError(ErrorCodes.FILE_ERROR, `Cannot read the ${what} ${path === '-' ? 'from standard input' : JSON.stringify(path)}: ${why}.`, { path, errno: code });
  }
}

/** Reads and parses a JSON file; syntax errors and repeated keys are `INVALID_INPUT` naming the file. */
export function readJson(path: string, what: string): unknown {
  const text = readText(path, what);
  const parsed = parseJsonText(text, `The ${what} ${path === '-' ? '(standard input)' : JSON.stringify(path)}`);
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

/** Where a command writes: injectable so tests can capture it. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** Whether `err` goes to a terminal (progress bars) or not (plain lines). */
  readonly errIsTTY?: boolean;
}

/** Standard output and error of the process. */
export const processOutput: Output = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  errIsTTY: process.stderr.isTTY === true,
};
