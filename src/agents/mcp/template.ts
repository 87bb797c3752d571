import { fileURLToPath } from 'node:url';
import { AgentError } from '../../pool/agent.js';
import type { Dispatch } from '../../protocol/dispatch-output.js';
import { ErrorCodes, SwitchyardError } from '../../protocol/errors.js';

/*
 * Argument templates. A template is any JSON value; each string in it may hold placeholders
 * `{{name}}`. A string that is exactly one placeholder becomes the value itself (`"{{attempt}}"`
 * → 2, a number); otherwise each placeholder is replaced by its text. The names:
 *
 *   {{action}} {{task_id}} {{attempt}} {{workflow_id}} {{capability}}
 *   {{input.<ref>.uri}}    the resolved input's storage URI
 *   {{input.<ref>.path}}   the same `file://` URI as a local path (any other scheme fails the task)
 *   {{input.<ref>.text}}   the input's content, read as UTF-8 through the artifact storage
 *   {{output.<ref>.ref_id}} an expected output ref's id
 *
 * `<ref>` is a ref id (`store_1`) or a position in the dispatch's list (`0` is the first input,
 * or the first expected output). There is no escape: any other `{{…}}`, or a `{{` that opens
 * no placeholder, is refused when the config loads.
 */

type Field = 'action' | 'task_id' | 'attempt' | 'workflow_id' | 'capability';
type Part =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'field'; readonly field: Field }
  | { readonly kind: 'input'; readonly ref: string; readonly as: 'uri' | 'path' | 'text' }
  | { readonly kind: 'output'; readonly ref: string };

/** A compiled template: the JSON shape with each string cut into parts. */
export type Template =
  | { readonly kind: 'string'; readonly parts: readonly Part[] }
  | { readonly kind: 'array'; readonly items: readonly Template[] }
  | { readonly kind: 'object'; readonly entries: ReadonlyArray<readonly [string, Template]> }
  | { readonly kind: 'value'; readonly value: unknown };

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/gu;
const FIELDS = new Set<string>(['action', 'task_id', 'attempt', 'workflow_id', 'capability']);
const REF = /^(input|output)\.([\w-]+)\.(uri|path|text|ref_id)$/u;

function placeholder(name: string, where: string): Part {
  if (FIELDS.has(name)) return { kind: 'field', field: name as Field };
  const m = REF.exec(name);
  if (m && m[1] === 'input' && m[3] !== 'ref_id') return { kind: 'input', ref: m[2], as: m[3] as 'uri' };
  if (m && m[1] === 'output' && m[3] === 'ref_id') return { kind: 'output', ref: m[2] };
  throw new SwitchyardError(
    ErrorCodes.INVALID_INPUT,
    `${where} has an unknown placeholder {{${name}}}: use {{action}}, {{task_id}}, {{attempt}}, {{workflow_id}}, {{capability}}, {{input.<ref>.uri|path|text}} or {{output.<ref>.ref_id}}.`,
    { path: where, placeholder: name },
  );
}

function compileString(text: string, where: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (m.index > last) parts.push({ kind: 'literal', text: text.slice(last, m.index) });
    parts.push(placeholder(m[1], where));
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ kind: 'literal', text: text.slice(last) });
  if (parts.some((p) => p.kind === 'literal' && (p.text.includes('{{') || p.text.includes('}}'))))
    throw new SwitchyardError(
      ErrorCodes.INVALID_INPUT,
      `${where} has a \`{{\` or \`}}\` that is not a placeholder: ${JSON.stringify(text)}.`,
      { path: where },
    );
  return parts;
}

/** Compiles a template, refusing unknown placeholders with `INVALID_INPUT` naming where they are. */
export function compileTemplate(value: unknown, where: string): Template {
  if (typeof value === 'string') return { kind: 'string', parts: compileString(value, where) };
  if (Array.isArray(value)) return { kind: 'array', items: value.map((v, i) => compileTemplate(v, `${where}[${i}]`)) };
  if (typeof value === 'object' && value !== null)
    return {
      kind: 'object',
      entries: Object.entries(value).map(([k, v]) => [k, compileTemplate(v, `${where}.${k}`)] as const),
    };
  return { kind: 'value', value };
}

/** What a template is filled from. */
export interface TemplateScope {
  readonly dispatch: Dispatch;
  readonly workflowId: string;
  readonly capability: string;
  readonly readText: (refId: string) => Promise<string>;
}

function pick<T>(list: readonly T[], ref: string, id: (t: T) => string): T | undefined {
  return /^\d+$/u.test(ref) ? list[Number(ref)] : list.find((t) => id(t) === ref);
}

const missing = (what: string, ref: string, task: string) =>
  new AgentError('INVALID_INPUT', `${task} has no ${what} ${ref} for the tool's argument template.`, {
    recoverable: false,
  });

async function valueOf(part: Part, s: TemplateScope): Promise<unknown> {
  const d = s.dispatch;
  switch (part.kind) {
    case 'literal':
      return part.text;
    case 'field':
      return part.field === 'workflow_id' ? s.workflowId : part.field === 'capability' ? s.capability : d[part.field];
    case 'output': {
      const ref = pick(d.output_refs_expected, part.ref, (r) => r);
      if (ref === undefined) throw missing('expected output', part.ref, d.task_id);
      return ref;
    }
    case 'input': {
      const ref = pick(d.input_refs_resolved, part.ref, (r) => r.ref_id);
      if (!ref) throw missing('input ref', part.ref, d.task_id);
      if (part.as === 'text') return s.readText(ref.ref_id);
      if (part.as === 'uri') return ref.storage_uri ?? '';
      if (!ref.storage_uri?.startsWith('file:'))
        throw new AgentError('INVALID_INPUT', `${ref.ref_id} is not a file:// URI, so it has no local path.`, {
          recoverable: false,
        });
      return fileURLToPath(ref.storage_uri);
    }
    default:
      return part satisfies never;
  }
}

/** Fills a compiled template from a dispatch; a missing ref fails the task non-recoverably. */
export async function fillTemplate(t: Template, scope: TemplateScope): Promise<unknown> {
  switch (t.kind) {
    case 'value':
      return t.value;
    case 'array':
      return Promise.all(t.items.map((i) => fillTemplate(i, scope)));
    case 'object': {
      // Own properties whatever their names: assigning `__proto__` would set the prototype instead.
      const filled: Array<[string, unknown]> = [];
      for (const [k, v] of t.entries) filled.push([k, await fillTemplate(v, scope)]);
      return Object.fromEntries(filled);
    }
    case 'string': {
      if (t.parts.length === 1) return valueOf(t.parts[0], scope);
      const values = await Promise.all(t.parts.map((p) => valueOf(p, scope)));
      return values.map(String).join('');
    }
    default:
      return t satisfies never;
  }
}
