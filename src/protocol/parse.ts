import type { z } from 'zod';
import { ErrorCodes, type Result, SwitchyardError } from './errors.js';

const MAX_ISSUES_IN_MESSAGE = 5;

/** Renders a zod issue path the way a person reads JSON: `output.content.workflow.tasks.task_1.id`. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out.length === 0 ? String(key) : `.${String(key)}`;
  }
  return out;
}

interface FlatIssue {
  readonly path: PropertyKey[];
  readonly message: string;
}

/**
 * Issues with unions opened up: of a union's failed branches, the one that got furthest into
 * the value (the longest issue path) stands for it, so a task record with one bad field is
 * reported at that field rather than as "Invalid input" at `tasks`.
 */
function flatten(issues: ReadonlyArray<z.core.$ZodIssue>, prefix: PropertyKey[] = []): FlatIssue[] {
  const out: FlatIssue[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const depth = (branch: ReadonlyArray<z.core.$ZodIssue>) => Math.max(0, ...branch.map((i) => i.path.length));
      const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
      out.push(...flatten(best, path));
    } else {
      out.push({ path, message: issue.message });
    }
  }
  return out;
}

/**
 * Parses `value` with `schema`. A violation becomes an `INVALID_INPUT` error whose message
 * names what was being parsed and each offending path; `details.issues` lists them all.
 */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what: string): Result<z.infer<S>> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issues = flatten(parsed.error.issues).map((issue) => ({
    path: formatIssuePath(issue.path),
    message: issue.message,
  }));
  const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((i) => `${i.path}: ${i.message}`);
  const more = issues.length > MAX_ISSUES_IN_MESSAGE ? `; and ${issues.length - MAX_ISSUES_IN_MESSAGE} more` : '';
  return {
    ok: false,
    error: new SwitchyardError(
      ErrorCodes.INVALID_INPUT,
      `The ${what} does not match its schema: ${shown.join('; ')}${more}.`,
      { issues },
    ),
  };
}

/**
 * Parses a message that may be any of several tagged kinds (`type`): a violation is reported
 * against the kind the message says it is (a bad `TriggerAgentBatch` as a `TriggerAgentBatch`),
 * or against all of them when its `type` is none of theirs.
 */
export function parseTagged<S extends z.ZodType>(
  schema: S,
  value: unknown,
  kinds: readonly string[],
): Result<z.infer<S>> {
  const type = typeof value === 'object' && value !== null ? (value as { type?: unknown }).type : undefined;
  const what = typeof type === 'string' && kinds.includes(type) ? type : kinds.join(' or ');
  return parseWith(schema, value, what);
}
