import { subjectTokenProblem } from './subjects.js';

/** The longest id accepted, in UTF-16 code units. */
export const MAX_ID_LENGTH = 256;

/**
 * Names no id may take: every property of `Object.prototype` (`__proto__`, `constructor`,
 * `toString`, …) and `prototype`. Ids key tables that travel as JSON objects
 * (`task_states`, `ref_registry`, `task_results`); as keys these names vanish or read
 * something that is not there.
 */
const RESERVED: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

/** Path separators, control characters and lone surrogates (which no UTF-8 text can carry). */
const UNSAFE = /[/\\\p{Cc}\p{Cs}]/u;

/**
 * Why `value` cannot be an id, or `undefined` when it can. This is the one pattern for task
 * ids, ref ids and run ids, checked when a plan is read and when a run is submitted:
 *
 * - 1 to {@link MAX_ID_LENGTH} characters;
 * - none of what a bus subject token cannot carry: `.`, `*`, `>` or whitespace (so no `..`);
 * - no path separator (`/`, `\`) and no control character, so an id can name a file or folder;
 * - not a name of `Object.prototype` (`__proto__`, `constructor`, …) or `prototype`.
 *
 * The seed's ids (`task_1`, `src_1`, `store_2`, `derived_3`) and the usual `[A-Za-z0-9_-]`
 * ids all pass.
 */
export function idProblem(value: string): string | undefined {
  if (isPlainId(value)) return undefined;
  const token = subjectTokenProblem(value);
  if (token !== undefined) return token;
  if (value.length > MAX_ID_LENGTH) return `it is ${value.length} characters long, over the ${MAX_ID_LENGTH} allowed`;
  if (RESERVED.has(value)) return `${JSON.stringify(value)} is a built-in property name of JavaScript objects`;
  const bad = UNSAFE.exec(value);
  if (bad) {
    const what =
      bad[0] === '/' || bad[0] === '\\'
        ? `the path separator \`${bad[0]}\``
        : `the character U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    return `it contains ${what} at position ${bad.index}`;
  }
  return undefined;
}

/**
 * The fast path: ids of ASCII letters, digits, `_` and `-` within the length limit pass,
 * unless they could be a reserved name (all of which are letters and `_` only). Checking a
 * million ids this way costs a few milliseconds.
 */
function isPlainId(value: string): boolean {
  const n = value.length;
  if (n === 0 || n > MAX_ID_LENGTH) return false;
  let digitOrDash = false;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) digitOrDash = true;
    else if (c === 45) digitOrDash = true;
    else if (!((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95)) return false;
  }
  return digitOrDash || !RESERVED.has(value);
}

/** What an id may be, as a sentence for error messages. */
export const ID_RULE = `Ids are 1 to ${MAX_ID_LENGTH} characters without \`.\`, \`*\`, \`>\`, whitespace, \`/\`, \`\\\` or control characters, and not a built-in property name such as \`__proto__\` or \`constructor\` (e.g. task_1, derived_3).`;
