import { ErrorCodes } from '../../protocol/errors.js';
import { step } from '../../core/step.js';
import type { DispatchState } from '../../core/run-state.js';
import { parseCommandArgs, positionals } from '../args.js';
import { type Output, readJson } from '../io.js';
import { writeJson } from '../json-out.js';
import { asPlanMessage } from '../load-graph.js';
import { dispatchOptions, dispatchOptionsHelp } from '../dispatch-flags.js';

export const stepHelp = `Usage: switchyard step [--state <state.json>] [message.json|-] [options]

The dispatch agent as a command: reads one seed-003 message (a planning agent's plan —
or a bare workflow, { "tasks": … }, taken as one — or an agent's task_result callback)
from the file or standard input, and prints
{ "state": …, "messages": [ … ] } as JSON. Pass the printed state back with --state
on the next call (or leave it in the callback's metadata.workflow_state).

Exits 0 when the message was used — also when the workflow ended failed, and for a
duplicate or late result (a STALE_RESULT message, state unchanged) — and 2 when the
message could not be used (the coded error is printed on stderr too).

  --state <file>     the state the previous call printed (its "state" field, or the
                     whole previous output)
${dispatchOptionsHelp}`;

function stateFrom(value: unknown): DispatchState {
  if (typeof value === 'object' && value !== null && 'state' in value && 'messages' in value)
    return (value as { state: DispatchState }).state;
  return value as DispatchState;
}

/** `switchyard step`. */
export function stepCommand(argv: string[], io: Output): number {
  const { values, positionals: given } = parseCommandArgs('step', argv, {
    state: { type: 'string' },
    policy: { type: 'string' },
    'max-attempts': { type: 'string' },
    now: { type: 'string' },
    'utc-offset': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(stepHelp);
    return 0;
  }
  const [file = '-'] = positionals('step', given, ['message.json'], 1);
  const state = values.state === undefined ? undefined : stateFrom(readJson(values.state, 'state'));
  const message = asPlanMessage(readJson(file, 'message'));
  const result = step(state, message, dispatchOptions('step', values));
  writeJson(io.out, result);
  const refused = result.messages.every(
    (m) => m.output.content_type === 'error' && m.error?.code !== ErrorCodes.STALE_RESULT,
  );
  if (!refused) return 0;
  for (const m of result.messages)
    io.err(
      `switchyard: ${m.error?.code ?? ErrorCodes.INVALID_INPUT}: ${m.error?.message ?? 'the message could not be used'}\n`,
    );
  return 2;
}
