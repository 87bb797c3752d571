import { messageJsonSchema, messageNames } from '../../protocol/schemas.js';
import { parseCommandArgs, positionals } from '../args.js';
import type { Output } from '../io.js';

export const schemaHelp = `Usage: switchyard schema [name]

Prints the JSON Schema (draft 2020-12) of a wire message, describing what a sender
may send. Without a name, lists the message names.

Messages: ${messageNames.join(', ')}
`;

/** `switchyard schema [name]`. */
export function schemaCommand(argv: string[], io: Output): number {
  const { values, positionals: given } = parseCommandArgs('schema', argv, { help: { type: 'boolean', short: 'h' } });
  if (values.help) {
    io.out(schemaHelp);
    return 0;
  }
  const [name] = positionals('schema', given, ['name'], 1);
  if (name === undefined) io.out(`${messageNames.join('\n')}\n`);
  else io.out(`${JSON.stringify(messageJsonSchema(name), null, 2)}\n`);
  return 0;
}
