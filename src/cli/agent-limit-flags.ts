import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { decimalInteger } from './numeric-flags.js';

/** Help line for `--agent-limit`. */
export const agentLimitFlagHelp = `  --agent-limit <agent>=<n>  at most n attempts of that agent at once, across all runs
                     (repeatable: --agent-limit code_writer=2 --agent-limit tester=1)
`;

/** Parses repeated `--agent-limit` values (`code_writer=2`) into `createRuntime`'s `agentLimits`. */
export function parseAgentLimitFlags(specs: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const spec of specs) {
    const at = spec.lastIndexOf('=');
    const agent = at > 0 ? spec.slice(0, at) : '';
    const n = at > 0 ? decimalInteger(spec.slice(at + 1)) : undefined;
    if (!agent || /[.*>\s]/u.test(agent) || n === undefined || n < 1)
      throw new SwitchyardError(
        ErrorCodes.USAGE_ERROR,
        `--agent-limit takes <agent>=<n> with n a whole number from 1 up (code_writer=2), got ${JSON.stringify(spec)}.`,
        { spec },
      );
    out[agent] = n;
  }
  return out;
}
