import { createHash } from 'node:crypto';
import { idProblem } from '../protocol/ids.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';

/**
 * Names on disk for run ids and ref ids. An id may hold any character the plan's id rule lets
 * through (protocol/ids.ts: no `.`, `/`, `\`, control characters or whitespace), so it can
 * never climb out of its directory; the name is still encoded, so that it is the same on
 * every file system: letters `a`–`z`, digits, `_` and `-` stay, every other byte of the id's
 * UTF-8 becomes `%XX`. So `Derived_1` and `derived_1` differ also where file names ignore case,
 * and no name holds a character some system refuses. A name over {@link MAX_NAME} bytes
 * becomes `~` and the id's SHA-256, with the id itself kept beside it (`<name>.ref-id`).
 * Encoded names never hold `.` or `~`, so temporary files (`.tmp-`), those id files and hashed
 * names cannot be taken for one another.
 */

/** Longest encoded name kept as is: well under the 255 bytes most file systems allow. */
export const MAX_NAME = 200;

/** Throws `INVALID_ID` unless `id` is a valid run or ref id (protocol/ids.ts). */
export function checkArtifactId(what: 'run id' | 'ref id', id: unknown): string {
  const problem = typeof id === 'string' ? idProblem(id) : `it is a ${typeof id}, not a string`;
  if (problem !== undefined)
    throw new SwitchyardError(
      ErrorCodes.INVALID_ID,
      `The ${what} ${JSON.stringify(id)} cannot name an artifact: ${problem}. Use letters, digits, \`_\` and \`-\`.`,
      { [what === 'run id' ? 'run_id' : 'ref_id']: typeof id === 'string' ? id : String(id) },
    );
  return id as string;
}

const KEPT = /^[a-z0-9_-]$/u;

/** The name `id` (already checked) takes on disk. */
export function encodeName(id: string): string {
  let out = '';
  for (const ch of id) {
    if (KEPT.test(ch)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out.length <= MAX_NAME ? out : `~${createHash('sha256').update(id).digest('hex')}`;
}

/** Whether a name on disk is a hashed one, whose id is in `<name>.ref-id`. */
export function isHashedName(name: string): boolean {
  return name.startsWith('~') && !name.includes('.');
}

/** The id of an encoded (not hashed) name, or undefined for anything else in the directory. */
export function decodeName(name: string): string | undefined {
  if (name.includes('.') || name.startsWith('~')) return undefined;
  try {
    return decodeURIComponent(name);
  } catch {
    return undefined;
  }
}
