import type { DispatchOptions } from '../core/options.js';
import { parseTimestamp } from '../core/time.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { wholeNumber } from './numeric-flags.js';

/** Help lines for the flags every dispatching command shares. */
export const dispatchOptionsHelp = `  --policy <p>       strict (default: seed 003's group barrier) or dependency
  --max-attempts <n> most attempts per task (default 3)
  --now <time>       the current time, ISO 8601 with offset (default: the message's
                     metadata.timestamp, else the state's last time)
  --utc-offset <o>   offset timestamps are written with, e.g. +08:00
`;

interface Flags {
  policy?: string;
  'max-attempts'?: string;
  now?: string;
  'utc-offset'?: string;
}

function usage(command: string, message: string): SwitchyardError {
  return new SwitchyardError(ErrorCodes.USAGE_ERROR, `${message} Run \`switchyard ${command} --help\` for usage.`, {
    command,
  });
}

/** Dispatch options from the shared flags; values the flags cannot hold are `USAGE_ERROR`. */
export function dispatchOptions(command: string, flags: Flags): DispatchOptions {
  const options: DispatchOptions = {};
  if (flags.policy !== undefined) {
    if (flags.policy !== 'strict' && flags.policy !== 'dependency')
      throw usage(command, `--policy must be strict or dependency, got ${JSON.stringify(flags.policy)}.`);
    options.policy = flags.policy;
  }
  if (flags['max-attempts'] !== undefined) {
    options.maxAttempts = wholeNumber('max-attempts', flags['max-attempts'], 1, 100);
  }
  if (flags.now !== undefined) {
    const parsed = parseTimestamp(flags.now);
    if (!parsed)
      throw usage(
        command,
        `--now must be an ISO 8601 time with an offset, like 2026-02-21T10:00:01+08:00, got ${JSON.stringify(flags.now)}.`,
      );
    options.clock = () => parsed.ms;
  }
  if (flags['utc-offset'] !== undefined) options.utcOffset = flags['utc-offset'];
  return options;
}
