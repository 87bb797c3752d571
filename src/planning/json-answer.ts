import type { z } from 'zod';
import type { Result } from '../protocol/errors.js';
import { parseJsonText } from '../protocol/json-text.js';
import { parseWith } from '../protocol/parse.js';

/** The JSON in a model's answer: the text itself, or the inside of a ```json fence around it. */
function jsonText(text: string): string {
  const fenced = /```(?:json)?\s*\n([\s\S]*?)\n\s*```/u.exec(text);
  return (fenced ? fenced[1] : text).trim();
}

/**
 * A model's JSON answer read through `schema`: `INVALID_INPUT` when it is not JSON (or nests
 * deeper than 32 levels) or does not match, naming `what` (the issues in `details.issues`).
 */
export function readJsonAnswer<S extends z.ZodType>(text: string, schema: S, what: string): Result<z.infer<S>> {
  const parsed = parseJsonText(jsonText(text), `The model's ${what}`, { maxDepth: 32 });
  return parsed.ok ? parseWith(schema, parsed.value, what) : parsed;
}
