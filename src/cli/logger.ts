import { type Logger, pino } from 'pino';

/**
 * The CLI's logger on stderr: pino JSON lines for machines, or pino-pretty's coloured lines
 * when stderr is a terminal.
 */
export function cliLogger(level: string, tty: boolean): Logger {
  if (!tty) return pino({ level }, pino.destination(2));
  return pino({ level, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } } });
}
