import { z } from 'zod';
import { ErrorCodes, SwitchyardError } from './errors.js';
import { type MessageName, messageSchemas } from './schemas.js';

/**
 * The messages a runtime and a dispatcher exchange (runtime-events.ts), and the dispatcher's
 * request/reply commands (dispatcher-commands.ts) and a run's (run-commands.ts), in the order
 * docs/protocol.md lists their fields.
 */
export const protocolMessages: readonly MessageName[] = [
  'agent_runtime_registered',
  'runtime_heartbeat',
  'agent_runtime_deregistered',
  'announce_runtimes',
  'trigger_agent',
  'trigger_agent_batch',
  'triggers_accepted',
  'trigger_accepted',
  'trigger_batch_reply',
  'trigger_placed',
  'agent_dispatch_failed',
  'agent_execution_result',
  'agent_execution_result_batch',
  'results_accepted',
  'reclaim_attempts',
  'attempts_reclaimed',
  'withdraw_triggers',
  'cancel_attempt',
  'attempt_progress',
  'list_runtimes',
  'runtime_list',
  'drain_runtime',
  'drain_accepted',
  'cancel_task',
  'task_cancel_accepted',
  'error_reply',
];

/** The comments around the generated part of docs/protocol.md. */
export const SCHEMA_DOC_BEGIN =
  '<!-- BEGIN GENERATED: switchyard schema --markdown (edit src/protocol/runtime-events.ts instead) -->';
export const SCHEMA_DOC_END = '<!-- END GENERATED -->';

/** A JSON Schema node, as far as the tables read it. */
interface Node {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  format?: string;
  description?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  minItems?: number;
  items?: Node;
  properties?: Record<string, Node>;
  required?: string[];
  anyOf?: Node[];
  oneOf?: Node[];
}

interface Row {
  readonly field: string;
  readonly type: string;
  readonly required: boolean;
  readonly description: string;
}

const jsonSchema = (name: MessageName): Node =>
  z.toJSONSchema(messageSchemas[name] as z.ZodType, { io: 'input', unrepresentable: 'any' }) as Node;

/** The `type` tags of the documented messages: a nested one is named, not spelt out again. */
const documentedTypes = new Set(protocolMessages.map((name) => jsonSchema(name).properties?.type?.const));

const code = (text: string) => `\`${text}\``;
const literal = (value: unknown) => code(JSON.stringify(value));
const cell = (text: string) => text.replace(/\s*\n\s*/gu, ' ').replace(/\|/gu, '\\|');

/** The documented message a node is, if it is one (`TriggerAgent` inside a batch). */
function messageType(node: Node): string | undefined {
  const tag = node.properties?.type?.const;
  return typeof tag === 'string' && documentedTypes.has(tag) ? tag : undefined;
}

/** A node's type in words: `non-empty string`, `integer ≥ 1`, `array of TriggerAgent`, … */
function typeOf(node: Node): string {
  const message = messageType(node);
  if (message) return `${code(message)} object`;
  if (node.const !== undefined) return literal(node.const);
  if (node.enum) return node.enum.map(literal).join(' or ');
  const variants = node.anyOf ?? node.oneOf;
  if (variants) return variants.map(typeOf).join(' or ');
  if (Array.isArray(node.type)) return node.type.map((type) => typeOf({ ...node, type })).join(' or ');
  switch (node.type) {
    case 'string':
      if (node.format === 'subject-token') return 'subject token';
      if (node.format === 'date-time') return 'timestamp';
      return node.minLength ? 'non-empty string' : 'string';
    case 'integer':
      if (node.exclusiveMinimum === 0) return 'integer ≥ 1';
      return node.minimum === undefined ? 'integer' : `integer ≥ ${node.minimum}`;
    case 'array':
      return `${node.minItems ? 'non-empty array' : 'array'} of ${node.items ? typeOf(node.items) : 'anything'}`;
    case undefined:
      return 'any JSON';
    default:
      return node.type;
  }
}

/** The object variants of a union, when the node is one (`outcome`). */
function objectVariants(node: Node): Node[] | undefined {
  const variants = node.oneOf ?? node.anyOf;
  return variants && variants.every((v) => v.type === 'object' && !messageType(v)) ? variants : undefined;
}

/** Rows for the fields of an object node, its nested objects spelt out under dotted paths. */
function fieldRows(node: Node, prefix: string, rows: Row[], when = ''): void {
  const required = new Set(node.required ?? []);
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const field = `${prefix}${key}`;
    const variants = objectVariants(child);
    const element =
      child.type === 'array' && child.items?.type === 'object' && !messageType(child.items) ? child.items : undefined;
    const description = `${when}${child.description ?? ''}`.trim();
    if (variants) {
      rows.push({ field, type: 'object, one of the forms below', required: required.has(key), description });
      for (const variant of variants) {
        const tag = Object.entries(variant.properties ?? {}).find(([, p]) => p.const !== undefined);
        fieldRows(variant, `${field}.`, rows, tag ? `When ${code(tag[0])} is ${literal(tag[1].const)}. ` : '');
      }
    } else if (child.type === 'object' && child.properties && !messageType(child)) {
      rows.push({ field, type: 'object', required: required.has(key), description });
      fieldRows(child, `${field}.`, rows);
    } else if (element) {
      rows.push({
        field,
        type: `${child.minItems ? 'non-empty array' : 'array'} of objects`,
        required: required.has(key),
        description,
      });
      fieldRows(element, `${field}[].`, rows);
    } else {
      rows.push({ field, type: typeOf(child), required: required.has(key), description });
    }
  }
}

/** The markdown of one message: a heading, what it is, and a table of its fields. */
function messageSection(name: MessageName): string {
  const node = jsonSchema(name);
  const rows: Row[] = [];
  fieldRows(node, '', rows);
  const tag = String(node.properties?.type?.const);
  return [
    `### ${code(tag)}`,
    '',
    `${node.description ?? ''} (\`switchyard schema ${name}\`)`,
    '',
    '| field | type | required | meaning |',
    '| --- | --- | --- | --- |',
    ...rows.map(
      (r) => `| ${code(r.field)} | ${cell(r.type)} | ${r.required ? 'yes' : 'no'} | ${cell(r.description)} |`,
    ),
  ].join('\n');
}

/**
 * The field tables of every message of the runtime protocol, rendered from their zod schemas
 * (what docs/protocol.md holds between {@link SCHEMA_DOC_BEGIN} and {@link SCHEMA_DOC_END}).
 */
export function renderSchemaDoc(): string {
  return `${protocolMessages.map(messageSection).join('\n\n')}\n`;
}

/**
 * `doc` with its generated part replaced by `generated`; `VALIDATION_ERROR` when it lacks the
 * marker comments.
 */
export function replaceSchemaDoc(doc: string, generated: string = renderSchemaDoc()): string {
  const begin = doc.indexOf(SCHEMA_DOC_BEGIN);
  const end = doc.indexOf(SCHEMA_DOC_END, begin);
  if (begin < 0 || end < 0) {
    throw new SwitchyardError(
      ErrorCodes.VALIDATION_ERROR,
      `The document has no generated part to replace: put the lines ${SCHEMA_DOC_BEGIN} and ${SCHEMA_DOC_END} where the tables go.`,
      { begin: SCHEMA_DOC_BEGIN, end: SCHEMA_DOC_END },
    );
  }
  return `${doc.slice(0, begin + SCHEMA_DOC_BEGIN.length)}\n\n${generated}\n${doc.slice(end)}`;
}

/** The generated part of `doc` as it stands, or `undefined` without the marker comments. */
export function currentSchemaDoc(doc: string): string | undefined {
  const begin = doc.indexOf(SCHEMA_DOC_BEGIN);
  const end = doc.indexOf(SCHEMA_DOC_END, begin);
  if (begin < 0 || end < 0) return undefined;
  return doc
    .slice(begin + SCHEMA_DOC_BEGIN.length, end)
    .replace(/^\n\n/u, '')
    .replace(/\n$/u, '');
}
