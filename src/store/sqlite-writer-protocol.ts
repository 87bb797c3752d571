import type { MessagePort } from 'node:worker_threads';
import type { SerializedError } from '../protocol/errors.js';
import type { Synchronous } from './sqlite-connection.js';
import type { StepRow } from './sqlite-step-rows.js';

/** What the writer thread is started with. */
export interface WriterData {
  readonly path: string;
  readonly synchronous: Synchronous;
  /** Int32 slots: {@link WRITTEN} and {@link STATE}. */
  readonly shared: SharedArrayBuffer;
  /** Requests come in on it, failures go back on it. */
  readonly port: MessagePort;
}

/** Slot of `shared` counting the rows the thread has finished with (written or failed). */
export const WRITTEN = 0;
/** Slot of `shared` holding the thread's {@link WriterState}. */
export const STATE = 1;
export const WriterState = { running: 0, closed: 1, broken: 2 } as const;

/** Host → writer thread. */
export type WriterRequest = { readonly type: 'rows'; readonly rows: readonly StepRow[] } | { readonly type: 'close' };

/** Writer thread → host: a row it could not write (the thread writes nothing more after it), or a connection it could not open. */
export type WriterReply = { readonly type: 'failed'; readonly error: SerializedError };
