import { closeSync, openSync, writeSync } from 'node:fs';
import { type Logger, pino } from 'pino';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import type { Output } from './io.js';

/** Fields pino adds to every line that a person reading stderr does not need. */
const NOISE = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

function fieldText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string')
    return (value as { message: string }).message;
  return JSON.stringify(value);
}

/**
 * One pino JSON line as one line for people: `switchyard warn: <message> (key=value, …)`.
 * Parsing it also drops a key the line repeats (a child logger's binding given again).
 */
export function humanLogLine(json: string): string {
  const entry = JSON.parse(json) as Record<string, unknown>;
  const label =
    typeof entry.level === 'number' ? (pino.levels.labels[entry.level] ?? String(entry.level)) : String(entry.level);
  const fields = Object.entries(entry)
    .filter(([key]) => !NOISE.has(key))
    .map(([key, value]) => `${key}=${fieldText(value)}`);
  return `switchyard ${label}: ${String(entry.msg ?? '')}${fields.length > 0 ? ` (${fields.join(', ')})` : ''}\n`;
}

/** A pino logger and what to do when the command is done with it. */
export interface CliLogger {
  readonly logger: Logger;
  close(): void;
}

/**
 * The logger of `run` and `resume`. With `file`, pino JSON lines go to that file (each key
 * once per line) and none to stderr. Otherwise they go to stderr among the progress lines:
 * pino-pretty's coloured lines on a terminal, plain `switchyard warn: …` lines
 * ({@link humanLogLine}) through `io.err` when not — never raw JSON. A file that cannot be
 * opened is `FILE_ERROR`.
 */
export function sessionLogger(level: string, io: Output, file?: string): CliLogger {
  if (file === undefined) {
    if (io.errIsTTY) return { logger: cliLogger(level, true), close: () => undefined };
    return { logger: pino({ level }, { write: (line: string) => io.err(humanLogLine(line)) }), close: () => undefined };
  }
  let fd: number;
  try {
    fd = openSync(file, 'a');
  } catch (error) {
    throw new SwitchyardError(
      ErrorCodes.FILE_ERROR,
      `Cannot open the log file ${JSON.stringify(file)}: ${(error as Error).message}.`,
      { path: file, errno: (error as NodeJS.ErrnoException).code },
    );
  }
  const write = (line: string) => void writeSync(fd, `${JSON.stringify(JSON.parse(line))}\n`);
  return { logger: pino({ level }, { write }), close: () => closeSync(fd) };
}

/**
 * The logger of `switchyard runtime` on stderr: pino JSON lines for machines, or pino-pretty's
 * coloured lines when stderr is a terminal.
 */
export function cliLogger(level: string, tty: boolean): Logger {
  if (!tty) return pino({ level }, pino.destination(2));
  return pino({
    level,
    transport: {
      target: 'pino-pretty',
      options: { destination: 2, colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' },
    },
  });
}
