import { writeFileSync } from 'node:fs';
import { ErrorCodes, SwitchyardError } from '../../protocol/errors.js';
import { renderSchemaDoc, replaceSchemaDoc } from '../../protocol/schema-doc.js';
import { messageJsonSchema, messageNames } from '../../protocol/schemas.js';
import { parseCommandArgs, positionals } from '../args.js';
import { type Output, readText } from '../io.js';

export const schemaHelp = `Usage: switchyard schema [name]
       switchyard schema --markdown [--update <file.md>]

Prints the JSON Schema (draft 2020-12) of a wire message, describing what a sender
may send. Without a name, lists the message names.

  --markdown         print the field tables of the runtime protocol's messages instead
                     (what docs/protocol.md holds)
  --update <file>    with --markdown: rewrite the generated part of that file, between its
                     BEGIN GENERATED / END GENERATED comments (npm run docs:protocol)

Messages: ${messageNames.join(', ')}
`;

/** `switchyard schema [name]`, `switchyard schema --markdown [--update file]`. */
export function schemaCommand(argv: string[], io: Output): number {
  const { values, positionals: given } = parseCommandArgs('schema', argv, {
    help: { type: 'boolean', short: 'h' },
    markdown: { type: 'boolean' },
    update: { type: 'string' },
  });
  if (values.help) {
    io.out(schemaHelp);
    return 0;
  }
  if (values.update !== undefined && !values.markdown)
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      '--update rewrites the generated tables of a markdown file: use it with --markdown.',
    );
  if (values.markdown) {
    positionals('schema', given, []);
    if (values.update === undefined) {
      io.out(renderSchemaDoc());
      return 0;
    }
    const updated = replaceSchemaDoc(readText(values.update, 'document'));
    try {
      writeFileSync(values.update, updated);
    } catch (error) {
      throw new SwitchyardError(
        ErrorCodes.FILE_ERROR,
        `Cannot write ${JSON.stringify(values.update)}: ${(error as Error).message}.`,
        { path: values.update },
      );
    }
    io.err(`switchyard schema: updated the message tables in ${values.update}.\n`);
    return 0;
  }
  const [name] = positionals('schema', given, ['name'], 1);
  if (name === undefined) io.out(`${messageNames.join('\n')}\n`);
  else io.out(`${JSON.stringify(messageJsonSchema(name), null, 2)}\n`);
  return 0;
}
