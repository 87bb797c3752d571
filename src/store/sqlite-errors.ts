import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';

/** SQLite error codes that mean the file itself is bad. */
const DAMAGED = new Set([
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_CORRUPT_INDEX',
  'SQLITE_CORRUPT_SEQUENCE',
  'SQLITE_CORRUPT_VTAB',
  'SQLITE_IOERR_SHORT_READ',
]);

/** `STORE_EMPTY`: the file holds no Switchyard database. */
export function empty(path: string): SwitchyardError {
  return new SwitchyardError(
    ErrorCodes.STORE_EMPTY,
    `${path} is empty: it holds no Switchyard runs. Runs are recorded there with \`switchyard run <plan> --db ${path}\`.`,
    { path },
  );
}

/** `STORE_CORRUPT`: the file is damaged or not SQLite. */
export function corrupt(path: string, detail: string): SwitchyardError {
  return new SwitchyardError(
    ErrorCodes.STORE_CORRUPT,
    `${path} is damaged or not a SQLite database (${detail}); Switchyard cannot read runs from it. Restore it from a backup, or give --db a new file.`,
    { path },
  );
}

/** Maps what SQLite or the file system threw to a coded error naming the file. */
export function asStoreError(error: unknown, path: string): SwitchyardError {
  if (error instanceof SwitchyardError) return error;
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message ?? String(error);
  if (typeof code === 'string' && DAMAGED.has(code)) return corrupt(path, message);
  if (
    code === 'SQLITE_CANTOPEN' ||
    code === 'EACCES' ||
    code === 'ENOENT' ||
    code === 'SQLITE_READONLY' ||
    code === 'SQLITE_PERM'
  ) {
    return new SwitchyardError(
      ErrorCodes.FILE_ERROR,
      `The state database ${path} cannot be opened or written (${message}). Check the path and its permissions.`,
      { path },
    );
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED')
    return new SwitchyardError(
      ErrorCodes.RUN_LOCKED,
      `The state database ${path} stayed locked by another process for 5 s (${message}).`,
      { path },
    );
  return new SwitchyardError(ErrorCodes.STORE_CORRUPT, `The state database ${path} failed: ${message}.`, {
    path,
    sqlite_code: typeof code === 'string' ? code : null,
  });
}
