import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `util.parseArgs` in strict mode, with its errors turned into `USAGE_ERROR` and a pointer to
 * the command's help.
 */
export function parseCommandArgs<O extends Options>(
  command: string,
  argv: string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      `${reason.replace(/\.$/u, '')}. Run \`switchyard ${command} --help\` for usage.`,
      { command },
    );
  }
}

/** Exactly `count` positionals named `names`, or a `USAGE_ERROR` saying what is missing or extra. */
export function positionals(command: string, given: string[], names: readonly string[], optional = 0): string[] {
  const required = names.length - optional;
  if (given.length < required) {
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      `\`switchyard ${command}\` needs ${names
        .slice(given.length, required)
        .map((n) => `<${n}>`)
        .join(' ')}. Run \`switchyard ${command} --help\` for usage.`,
      { command },
    );
  }
  if (given.length > names.length) {
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      `\`switchyard ${command}\` takes at most ${names.length} argument${names.length === 1 ? '' : 's'}, got ${given.length}: ${given.join(' ')}.`,
      { command },
    );
  }
  return given;
}
