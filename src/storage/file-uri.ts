import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';

/** The bytes of `buffer` as a plain Uint8Array (not a Buffer), sharing its memory. */
export function plainBytes(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** `ARTIFACT_INACCESSIBLE` for `uri`, saying why. */
export function unreadable(uri: string, why: string): SwitchyardError {
  return new SwitchyardError(ErrorCodes.ARTIFACT_INACCESSIBLE, `Cannot read the artifact at ${uri}: ${why}.`, { uri });
}

/** The scheme of `uri` (`file:`, `memory:`, …), or `ARTIFACT_INACCESSIBLE` when it is not a URI. */
export function schemeOf(uri: unknown): string {
  if (typeof uri !== 'string' || !URL.canParse(uri))
    throw unreadable(String(uri), 'it is not a URI (expected e.g. file:///data/derived_1)');
  return new URL(uri).protocol;
}

const MISSING = new Set(['ENOENT', 'ENOTDIR']);
const REFUSED = new Set(['EISDIR', 'EACCES', 'EPERM', 'EROFS', 'ELOOP', 'ENAMETOOLONG', 'ENOTDIR', 'EEXIST']);

/**
 * A file-system error as a coded one, classified by seed 003's table: not there →
 * `ARTIFACT_NOT_FOUND`; there but not usable as a file (a directory, permissions, a file where
 * a folder should be) → `ARTIFACT_INACCESSIBLE`; anything else
 * (a full disk, too many open files, I/O) → `STORAGE_FAILED`, the one that may pass on a retry.
 */
export function fileError(error: unknown, uri: string, doing: 'read' | 'write' | 'list'): SwitchyardError {
  const code = (error as { code?: unknown } | null)?.code;
  const reason = error instanceof Error ? error.message : String(error);
  if (doing === 'read' && typeof code === 'string' && MISSING.has(code))
    return new SwitchyardError(
      ErrorCodes.ARTIFACT_NOT_FOUND,
      `No artifact at ${uri}: nothing was written there, or it was removed.`,
      { uri },
      { cause: error },
    );
  if (typeof code === 'string' && REFUSED.has(code))
    return new SwitchyardError(
      ErrorCodes.ARTIFACT_INACCESSIBLE,
      `Cannot ${doing} the artifact at ${uri}: ${reason}.`,
      { uri },
      { cause: error },
    );
  return new SwitchyardError(
    ErrorCodes.STORAGE_FAILED,
    `Artifact storage failed to ${doing} ${uri}: ${reason}. It may pass on a retry (disk space, open files).`,
    { uri, ...(typeof code === 'string' ? { errno: code } : {}) },
    { cause: error },
  );
}

/** The content of a `file:` URI, with coded errors. */
export async function readFileUri(uri: string): Promise<Uint8Array> {
  let path: string;
  try {
    path = fileURLToPath(uri);
  } catch (error) {
    throw unreadable(uri, error instanceof Error ? error.message : String(error));
  }
  try {
    return plainBytes(await readFile(path));
  } catch (error) {
    throw fileError(error, uri, 'read');
  }
}
