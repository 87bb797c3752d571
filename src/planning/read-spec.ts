import { ErrorCodes, type Result, SwitchyardError } from '../protocol/errors.js';
import { parseJsonText } from '../protocol/json-text.js';
import { parseWith } from '../protocol/parse.js';
import { readMarkdownSpec } from './markdown-spec.js';
import { type Specification, SpecificationSchema } from '../protocol/specification.js';

/**
 * The largest specification read: 1 MiB of text, some 500 pages. A specification is prose
 * a planner reads; anything larger is a data set, which belongs in `inputs` by URI.
 */
export const MAX_SPEC_BYTES = 1024 * 1024;

/** The two forms a specification is written in. */
export type SpecFormat = 'json' | 'markdown';

/** Options of {@link readSpecification}. */
export interface ReadSpecOptions {
  /** @default JSON when the text starts with `{`, else Markdown */
  readonly format?: SpecFormat;
  /** What to call the input in error messages (a file name). @default 'the specification' */
  readonly name?: string;
}

function invalid(message: string, details: Record<string, unknown> = {}): Result<never> {
  return { ok: false, error: new SwitchyardError(ErrorCodes.INVALID_INPUT, message, details) };
}

/** Checks a specification value (parsed JSON, or an object built in code). */
export function parseSpecification(value: unknown): Result<Specification> {
  return parseWith(SpecificationSchema, value, 'specification');
}

/**
 * Reads a specification from JSON or Markdown text. Empty text, binary data, text over
 * {@link MAX_SPEC_BYTES}, bad JSON, Markdown without a `#` title and anything the schema
 * refuses (no requirements, a repeated id, an unknown component) are `INVALID_INPUT` errors
 * naming the input and what to change.
 *
 * @example
 * const spec = readSpecification(readFileSync('examples/specs/todo-cli.md', 'utf8'), { format: 'markdown' });
 * if (spec.ok) console.log(spec.value.requirements.length);
 */
export function readSpecification(text: string, options: ReadSpecOptions = {}): Result<Specification> {
  const name = options.name ?? 'the specification';
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_SPEC_BYTES) {
    return invalid(
      `${name} is ${bytes} bytes, over the ${MAX_SPEC_BYTES}-byte limit of a specification: keep the prose in it and move data sets to \`inputs\`, by URI.`,
      { limit: 'size', bytes, max: MAX_SPEC_BYTES },
    );
  }
  if (/[\0\uFFFD]/u.test(text)) {
    return invalid(`${name} is binary data, not UTF-8 text: give a Markdown or JSON specification.`, {
      reason: 'binary',
    });
  }
  const body = text.replace(/^\uFEFF/u, '');
  if (body.trim().length === 0)
    return invalid(`${name} is empty: write at least a \`# Title\`, a goal and one requirement.`, { reason: 'empty' });
  const format = options.format ?? (body.trimStart().startsWith('{') ? 'json' : 'markdown');
  if (format === 'json') {
    const parsed = parseJsonText(body, name, { maxDepth: 64 });
    return parsed.ok ? parseSpecification(parsed.value) : parsed;
  }
  const raw = readMarkdownSpec(body);
  if (raw.title === undefined)
    return invalid(`${name} has no \`# Title\` heading: a Markdown specification starts with one.`, {
      reason: 'no_title',
    });
  const used = new Set(raw.requirements.flatMap((r) => (r.id === undefined ? [] : [r.id])));
  let next = 0;
  const freshId = (): string => {
    do next++;
    while (used.has(`R${next}`));
    return `R${next}`;
  };
  return parseSpecification({
    ...raw,
    requirements: raw.requirements.map((r) => ({ ...r, id: r.id ?? freshId() })),
    inputs: raw.inputs.map((input, i) => ({ ...input, id: input.id ?? `input_${i + 1}` })),
  });
}
