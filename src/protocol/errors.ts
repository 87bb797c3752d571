/**
 * Stable error codes. The first three are seed 003's; the rest are Switchyard's own.
 * Tests and callers match on these codes, never on message text.
 */
export const ErrorCodes = {
  /** The input is unusable as given: empty workflow, bad JSON, a schema violation, a bad option. */
  INVALID_INPUT: 'INVALID_INPUT',
  /** The input is well-formed but cannot be executed: a cycle, a deadlock, a blocked workflow. */
  PROCESSING_ERROR: 'PROCESSING_ERROR',
  /** The input references something that does not exist: an unknown ref, task or group. */
  VALIDATION_ERROR: 'VALIDATION_ERROR',
  /** An id that would be placed in a bus subject contains `.`, `*`, `>` or whitespace, or is empty. */
  INVALID_ID: 'INVALID_ID',
  /** A file could not be read (missing, unreadable, a directory). */
  FILE_ERROR: 'FILE_ERROR',
  /** A command-line invocation is malformed: unknown command, flag or missing argument. */
  USAGE_ERROR: 'USAGE_ERROR',
  /** A result for an attempt that is not live: a duplicate, a late or an unexpected callback. Changes nothing. */
  STALE_RESULT: 'STALE_RESULT',
  /** A request got no reply within its timeout. */
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  /** A request was sent to a subject nobody listens on (NATS's "no responders"). */
  NO_RESPONDERS: 'NO_RESPONDERS',
  /** The bus (or another resource) was used after it was closed. */
  CLOSED: 'CLOSED',
  /** No registered runtime serves the agent or capability a task needs (seed 000). */
  CAPABILITY_NOT_AVAILABLE: 'CAPABILITY_NOT_AVAILABLE',
  /** A run id the store already holds was used for a new run. */
  RUN_EXISTS: 'RUN_EXISTS',
  /** The store holds no run with that id. */
  RUN_NOT_FOUND: 'RUN_NOT_FOUND',
  /** No runtime by that id is registered with the dispatcher (a drain or undrain named it). */
  RUNTIME_NOT_FOUND: 'RUNTIME_NOT_FOUND',
  /** The run has ended; there is nothing to resume. */
  RUN_ENDED: 'RUN_ENDED',
  /** Another live process holds the run (its lease); two may not drive one run. */
  RUN_LOCKED: 'RUN_LOCKED',
  /** A step's events do not follow the last recorded event of its run, or replay disagrees with the log. */
  LOG_GAP: 'LOG_GAP',
  /** A state database file is damaged, truncated or not a SQLite database at all. */
  STORE_CORRUPT: 'STORE_CORRUPT',
  /** A SQLite database that belongs to some other application. */
  STORE_FOREIGN: 'STORE_FOREIGN',
  /** A state database written by a newer Switchyard, with a schema this version does not know. */
  STORE_TOO_NEW: 'STORE_TOO_NEW',
  /** A state database file with nothing in it, opened to read runs. */
  STORE_EMPTY: 'STORE_EMPTY',
  /** A connection to a message server (NATS) could not be made, or broke under a request. */
  CONNECTION_FAILED: 'CONNECTION_FAILED',
  /**
   * A result whose identifying fields (request id, run, task, attempt, runtime) do not match the
   * attempt it names: refused, and it changes nothing.
   */
  RESULT_MISMATCH: 'RESULT_MISMATCH',
  /**
   * A message that speaks for a runtime its sender may not speak for: a registration,
   * deregistration or heartbeat of a runtime this process hosts arriving from outside it, or a
   * subject and body naming different runtimes. Refused; it changes nothing.
   */
  UNAUTHORIZED: 'UNAUTHORIZED',
  /** An option or feature combination this runtime cannot honour (said why in the message). */
  UNSUPPORTED: 'UNSUPPORTED',
  /**
   * A language model backend could not be reached, or answered with an error (HTTP 4xx/5xx,
   * a body that is not a chat completion) beyond its retries.
   */
  LLM_FAILED: 'LLM_FAILED',
  /** A language model declined to answer (a refusal, or a content filter stopped it). */
  LLM_REFUSED: 'LLM_REFUSED',
  /**
   * An artifact that is not there: no file at its URI, nothing stored under it, or a ref with no
   * storage URI yet. Not recoverable: seed 003's "required derived_ref was never produced".
   */
  ARTIFACT_NOT_FOUND: 'ARTIFACT_NOT_FOUND',
  /**
   * An artifact the storage cannot reach: a URI of another scheme (`https:`, `s3:`) or no URI
   * at all, a directory, a file or folder it may not open or create (permissions, a file where
   * a folder should be). Not recoverable (seed 003: invalid input); fix the URI or the storage.
   */
  ARTIFACT_INACCESSIBLE: 'ARTIFACT_INACCESSIBLE',
  /**
   * Artifact storage failed for a reason that may pass: a full disk, too many open files, an
   * I/O error. Recoverable (seed 003: a transient failure).
   */
  STORAGE_FAILED: 'STORAGE_FAILED',
  /** A task was cancelled while its run went on (`run.cancelTask`): it ended failed, not recoverable. */
  CANCELLED: 'CANCELLED',
  /** A task that has already ended (complete, failed, skipped) cannot be cancelled. */
  TASK_ENDED: 'TASK_ENDED',
  /** The run's plan has no task with that id. */
  TASK_NOT_FOUND: 'TASK_NOT_FOUND',
  /**
   * A run's deadline (`maxExecutionTimeMs`, seed 002's max_execution_time) passed: its attempts
   * out were cancelled, nothing more was sent, and the run ended `failed`.
   */
  RUN_DEADLINE_EXCEEDED: 'RUN_DEADLINE_EXCEEDED',
  /** An HTTP request without the service's bearer token, or with another one (HTTP 401). */
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** An HTTP request for a path or method the service does not have (HTTP 404 or 405). */
  NOT_FOUND: 'NOT_FOUND',
} as const;

/** One of the stable {@link ErrorCodes}. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

const codeSet: ReadonlySet<string> = new Set(Object.values(ErrorCodes));

/** Whether `value` is one of the stable {@link ErrorCodes}. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && codeSet.has(value);
}

/** Structured, JSON-safe extra facts about an error (the offending ids, paths, cycle…). */
export type ErrorDetails = Readonly<Record<string, unknown>>;

/** The serialized form in which errors cross boundaries (worker ↔ host, bus, CLI output). */
export interface SerializedError {
  name: string;
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
  stack?: string;
  cause?: SerializedError;
}

/**
 * The one error type of Switchyard: a stable `code`, a sentence a person can act on, and
 * `details` naming the offending values.
 *
 * @example
 * throw new SwitchyardError('VALIDATION_ERROR', 'task_7 reads input_ref derived_9, which no resource declares.', { task_id: 'task_7', ref_id: 'derived_9' });
 */
export class SwitchyardError extends Error {
  override readonly name = 'SwitchyardError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  /** The JSON-safe form, for crossing a boundary. Stacks are included only when asked. */
  toJSON(includeStack = false): SerializedError {
    const out: SerializedError = { name: this.name, code: this.code, message: this.message };
    if (Object.keys(this.details).length > 0) out.details = this.details;
    if (includeStack && this.stack) out.stack = this.stack;
    if (this.cause !== undefined) out.cause = serializeError(this.cause, includeStack);
    return out;
  }
}

/** Serializes any thrown value; values that are not a {@link SwitchyardError} become `PROCESSING_ERROR`. */
export function serializeError(error: unknown, includeStack = false): SerializedError {
  if (error instanceof SwitchyardError) return error.toJSON(includeStack);
  if (error instanceof Error) {
    const out: SerializedError = { name: error.name, code: ErrorCodes.PROCESSING_ERROR, message: error.message };
    if (includeStack && error.stack) out.stack = error.stack;
    return out;
  }
  return { name: 'Error', code: ErrorCodes.PROCESSING_ERROR, message: String(error) };
}

/** Rebuilds a {@link SwitchyardError} from its serialized form, keeping its code. */
export function deserializeError(value: SerializedError): SwitchyardError {
  const code = isErrorCode(value.code) ? value.code : ErrorCodes.PROCESSING_ERROR;
  const cause = value.cause ? deserializeError(value.cause) : undefined;
  const error = new SwitchyardError(code, value.message, value.details ?? {}, cause ? { cause } : undefined);
  if (value.stack) error.stack = value.stack;
  return error;
}

/** Whether a value is a {@link SwitchyardError}. */
export function isSwitchyardError(value: unknown): value is SwitchyardError {
  return value instanceof SwitchyardError;
}

/** A success or a coded failure: how fallible functions return instead of throwing. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: SwitchyardError };
