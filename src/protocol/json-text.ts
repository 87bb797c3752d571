import { ErrorCodes, type Result, SwitchyardError } from './errors.js';
import { formatIssuePath } from './parse.js';

/** Limits on the JSON text {@link parseJsonText} takes. */
export interface JsonTextLimits {
  /**
   * Most levels of nested arrays and objects: deeper input would overflow the stack of
   * whatever walks it later (`JSON.stringify` included). @default no limit
   */
  readonly maxDepth?: number;
}

/**
 * Parses JSON text. Beyond `JSON.parse`, refuses an object that repeats a key — `JSON.parse`
 * keeps only the last one, which would silently drop a task whose id is repeated in a plan —
 * and, with `limits.maxDepth`, nesting deeper than that (details `{ limit: 'depth', max }`).
 * Syntax errors, repeated keys and too deep nesting are `INVALID_INPUT` naming `what` and the place.
 */
export function parseJsonText(text: string, what: string, limits: JsonTextLimits = {}): Result<unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      error: new SwitchyardError(ErrorCodes.INVALID_INPUT, `${what} is not valid JSON: ${reason}.`, { reason }),
    };
  }
  const dup = scan(text, limits.maxDepth ?? Infinity);
  if (dup && 'depth' in dup) {
    const shown = dup.path.slice(0, 8);
    const path = `${formatIssuePath(shown)}${dup.path.length > shown.length ? '…' : ''}`;
    return {
      ok: false,
      error: new SwitchyardError(
        ErrorCodes.INVALID_INPUT,
        `${what} nests arrays and objects deeper than the limit of ${dup.depth} levels (at ${path}).`,
        { limit: 'depth', max: dup.depth, path },
      ),
    };
  }
  if (dup) {
    const path = formatIssuePath(dup.path);
    return {
      ok: false,
      error: new SwitchyardError(
        ErrorCodes.INVALID_INPUT,
        `${what} repeats the key ${JSON.stringify(dup.key)} in the object at ${path}; each key may appear once (a repeated task id would otherwise be silently dropped).`,
        { path, key: dup.key },
      ),
    };
  }
  return { ok: true, value };
}

interface Frame {
  readonly keys: Set<string> | undefined;
  readonly key: PropertyKey | undefined;
  index: number;
}

/** Scans valid JSON text for the first object with a repeated key, or the first nesting deeper than `maxDepth`. */
function scan(
  text: string,
  maxDepth: number,
): { key: string; path: PropertyKey[] } | { depth: number; path: PropertyKey[] } | undefined {
  const stack: Frame[] = [];
  let expectKey = false;
  let pendingKey: PropertyKey | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (expectKey && top?.keys) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return { key, path: stack.slice(1).map((f) => f.key as PropertyKey) };
        top.keys.add(key);
        pendingKey = key;
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      const top = stack[stack.length - 1];
      const key = top?.keys ? pendingKey : top?.index;
      stack.push({ keys: c === '{' ? new Set() : undefined, key, index: 0 });
      if (stack.length > maxDepth) return { depth: maxDepth, path: stack.slice(1).map((f) => f.key as PropertyKey) };
      expectKey = c === '{';
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.keys) expectKey = true;
      else if (top) top.index++;
    }
  }
  return undefined;
}
