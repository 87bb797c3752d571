import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { z } from 'zod';
import { describe, expect, it } from 'vitest';
import * as dispatcherCommands from '../../src/protocol/dispatcher-commands.js';
import * as runCommands from '../../src/protocol/run-commands.js';
import * as runtimeEvents from '../../src/protocol/runtime-events.js';
import {
  currentSchemaDoc,
  protocolMessages,
  renderSchemaDoc,
  replaceSchemaDoc,
  SCHEMA_DOC_BEGIN,
  SCHEMA_DOC_END,
} from '../../src/protocol/schema-doc.js';
import { messageNames, messageSchemas } from '../../src/protocol/schemas.js';
import { cli } from '../helpers/cli.js';
import { thrown } from '../helpers/errors.js';

const PROTOCOL_MD = new URL('../../docs/protocol.md', import.meta.url);

describe('the message tables of docs/protocol.md', () => {
  it('are exactly what the schemas render (run `npm run docs:protocol` after changing a schema)', () => {
    expect(currentSchemaDoc(readFileSync(PROTOCOL_MD, 'utf8'))).toBe(renderSchemaDoc());
  });

  it('cover every message of runtime-events.ts, dispatcher-commands.ts and run-commands.ts that `switchyard schema` knows', () => {
    const events = new Set<unknown>([
      ...Object.values(runtimeEvents),
      ...Object.values(dispatcherCommands),
      ...Object.values(runCommands),
    ]);
    const fromEvents = messageNames.filter((name) => events.has(messageSchemas[name]));
    expect([...protocolMessages].sort()).toEqual(fromEvents.sort());
  });

  it.each(protocolMessages)('list every top-level field of %s, required ones as required', (name) => {
    const shape = (messageSchemas[name] as unknown as z.ZodObject).shape;
    const type = JSON.stringify((shape.type as z.ZodLiteral).value).replace(/"/gu, '');
    const section = renderSchemaDoc()
      .split('\n### ')
      .find((s) => s.replace(/^### /u, '').startsWith(`\`${type}\``));
    expect(section).toBeDefined();
    for (const [field, schema] of Object.entries(shape)) {
      const required = !(schema as z.ZodType).safeParse(undefined).success;
      expect(section).toMatch(new RegExp(`^\\| \`${field}\` \\| [^\\n]* \\| ${required ? 'yes' : 'no'} \\|`, 'mu'));
    }
  });

  it('say in_flight is a list in registrations and a count in heartbeats', () => {
    const doc = renderSchemaDoc();
    expect(doc).toMatch(/^\| `in_flight` \| array of string \| no \| A list/mu);
    expect(doc).toMatch(/^\| `in_flight` \| integer ≥ 0 \| yes \| A count/mu);
  });
});

describe('replaceSchemaDoc', () => {
  it('replaces only what lies between the markers, and doing it twice changes nothing more', () => {
    const doc = `# Title\n\nbefore\n\n${SCHEMA_DOC_BEGIN}\nstale\n${SCHEMA_DOC_END}\n\nafter\n`;
    const once = replaceSchemaDoc(doc, 'tables\n');
    expect(once).toBe(`# Title\n\nbefore\n\n${SCHEMA_DOC_BEGIN}\n\ntables\n\n${SCHEMA_DOC_END}\n\nafter\n`);
    expect(replaceSchemaDoc(once, 'tables\n')).toBe(once);
    expect(currentSchemaDoc(once)).toBe('tables\n');
  });

  it('refuses a document without the markers with VALIDATION_ERROR', () => {
    expect(thrown(() => replaceSchemaDoc('# no markers\n')).code).toBe('VALIDATION_ERROR');
  });
});

describe('switchyard schema --markdown', () => {
  it('prints the tables, and --update rewrites them in a file', () => {
    expect(cli('schema', '--markdown')).toMatchObject({ code: 0, out: renderSchemaDoc() });
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-schema-doc-'));
    try {
      const file = join(dir, 'protocol.md');
      writeFileSync(file, `intro\n${SCHEMA_DOC_BEGIN}\nold\n${SCHEMA_DOC_END}\n`);
      expect(cli('schema', '--markdown', '--update', file).code).toBe(0);
      expect(currentSchemaDoc(readFileSync(file, 'utf8'))).toBe(renderSchemaDoc());
      expect(cli('schema', '--update', file)).toMatchObject({ code: 2, err: expect.stringContaining('USAGE_ERROR') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
