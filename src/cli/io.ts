import { readFileSync, statSync } from 'node:fs';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { parseJsonText } from '../protocol/json-text.js';
import { decimalInteger } from './numeric-flags.js';

/** The limits every command puts on a file it reads (a plan, a state, a message, a status file). */
export interface InputLimits {
  /** Most bytes in one input file. */
  readonly maxBytes: number;
  /** Most levels of nested arrays and objects in one JSON input. */
  readonly maxDepth: number;
}

/**
 * The limits when the environment sets none: 64 MiB (a 100,000-task plan takes about 20) and
 * 512 levels (a plan needs about 10; far deeper input overflows the stack of `JSON.stringify`
 * when the state that holds it is printed).
 */
export const DEFAULT_INPUT_LIMITS: InputLimits = { maxBytes: 64 * 1024 * 1024, maxDepth: 512 };

const LIMIT_VARIABLES = { maxBytes: 'SWITCHYARD_MAX_INPUT_BYTES', maxDepth: 'SWITCHYARD_MAX_INPUT_DEPTH' } as const;

/**
 * The input limits: {@link DEFAULT_INPUT_LIMITS}, or `$SWITCHYARD_MAX_INPUT_BYTES` and
 * `$SWITCHYARD_MAX_INPUT_DEPTH` when set (whole numbers from 1 up, else `USAGE_ERROR`).
 */
export function inputLimits(env: NodeJS.ProcessEnv = process.env): InputLimits {
  const limit = (key: keyof InputLimits): number => {
    const text = env[LIMIT_VARIABLES[key]];
    if (text === undefined || text === '') return DEFAULT_INPUT_LIMITS[key];
    const n = decimalInteger(text);
    if (n === undefined || n < 1)
      throw new SwitchyardError(
        ErrorCodes.USAGE_ERROR,
        `$${LIMIT_VARIABLES[key]} must be a whole number from 1 up, got ${JSON.stringify(text)}.`,
        { variable: LIMIT_VARIABLES[key] },
      );
    return n;
  };
  return { maxBytes: limit('maxBytes'), maxDepth: limit('maxDepth') };
}

function label(path: string, what: string): string {
  return `the ${what} ${path === '-' ? 'from standard input' : JSON.stringify(path)}`;
}

function tooBig(path: string, what: string, bytes: number, max: number): SwitchyardError {
  return new SwitchyardError(
    ErrorCodes.INVALID_INPUT,
    `Refusing ${label(path, what)}: it is ${bytes} bytes, over the input limit of ${max} bytes. Set ${LIMIT_VARIABLES.maxBytes} to raise the limit.`,
    { path, limit: 'size', max, bytes },
  );
}

/**
 * Reads a whole file (or standard input for `-`) as UTF-8, with `FILE_ERROR` naming the file,
 * and `INVALID_INPUT` (details `{ limit: 'size' }`) for one over `limits.maxBytes`: a regular
 * file is refused by its size before it is read.
 */
export function readText(path: string, what: string, limits: InputLimits = inputLimits()): string {
  let bytes: Buffer;
  try {
    if (path !== '-') {
      const stat = statSync(path);
      if (stat.isFile() && stat.size > limits.maxBytes) throw tooBig(path, what, stat.size, limits.maxBytes);
    }
    bytes = readFileSync(path === '-' ? 0 : path);
  } catch (error) {
    if (error instanceof SwitchyardError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'there is no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : code === 'ERR_FS_FILE_TOO_LARGE'
              ? `it is over 2 GiB, far over the input limit of ${limits.maxBytes} bytes`
              : (error as Error).message;
    throw new SwitchyardError(ErrorCodes.FILE_ERROR, `Cannot read ${label(path, what)}: ${why}.`, {
      path,
      errno: code,
    });
  }
  if (bytes.length > limits.maxBytes) throw tooBig(path, what, bytes.length, limits.maxBytes);
  return bytes.toString('utf8');
}

/**
 * Reads and parses a JSON file within the {@link inputLimits}: syntax errors, repeated keys,
 * too much nesting (details `{ limit: 'depth' }`) and too many bytes (`{ limit: 'size' }`) are
 * `INVALID_INPUT` naming the file. The one reader of every command that reads JSON.
 */
export function readJson(path: string, what: string): unknown {
  const limits = inputLimits();
  const text = readText(path, what, limits);
  const parsed = parseJsonText(text, `The ${what} ${path === '-' ? '(standard input)' : JSON.stringify(path)}`, {
    maxDepth: limits.maxDepth,
  });
  if (parsed.ok) return parsed.value;
  if (parsed.error.details.limit !== 'depth') throw parsed.error;
  throw new SwitchyardError(
    parsed.error.code,
    `${parsed.error.message} Set ${LIMIT_VARIABLES.maxDepth} to allow deeper input.`,
    parsed.error.details,
  );
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
