import { MessagePort } from 'node:worker_threads';
import type { SerializedError } from '../protocol/errors.js';
import type { StepRow } from './sqlite-step-rows.js';
import type { Synchronous } from './sqlite-synchronous.js';

/** What the writer thread is started with. */
export interface WriterData {
  readonly path: string;
  readonly synchronous: Synchronous;
  /** Room for the Int32 slots {@link WRITTEN} and {@link STATE}. */
  readonly shared: SharedArrayBuffer;
  /** Requests come in on it, failures go back on it. */
  readonly port: MessagePort;
}

/**
 * Checks, where the thread starts, what it was started with. By hand rather than with zod:
 * loading zod would take the thread about 60 ms more to start, and a run's first step waits
 * for it.
 */
export function writerData(value: unknown): WriterData {
  const d = value as Partial<WriterData> | null;
  const ok =
    typeof d === 'object' &&
    d !== null &&
    typeof d.path === 'string' &&
    d.path.length > 0 &&
    (d.synchronous === 'normal' || d.synchronous === 'full') &&
    d.shared instanceof SharedArrayBuffer &&
    d.shared.byteLength >= 8 &&
    d.port instanceof MessagePort;
  if (!ok)
    throw new Error('switchyard: the SQLite writer thread was started without its path, mode, shared slots and port.');
  return d as WriterData;
}

/** Slot of `shared` counting the rows the thread has finished with (written or failed). */
export const WRITTEN = 0;
/** Slot of `shared` holding the thread's {@link WriterState}. */
export const STATE = 1;
export const WriterState = { running: 0, closed: 1, broken: 2 } as const;

/**
 * Host → writer thread. `plan-part`: a part of the plan of the next row that carries one
 * (`StepRow.accepted.parts` says how many came ahead of it), to compress meanwhile;
 * `plan-dropped`: the parts sent so far belong to no row (encoding that plan failed).
 */
export type WriterRequest =
  | { readonly type: 'rows'; readonly rows: readonly StepRow[] }
  | { readonly type: 'plan-part'; readonly part: Uint8Array }
  | { readonly type: 'plan-dropped' }
  | { readonly type: 'close' };

/** Writer thread → host: a row it could not write (the thread writes nothing more after it), or a connection it could not open. */
export type WriterReply = { readonly type: 'failed'; readonly error: SerializedError };
