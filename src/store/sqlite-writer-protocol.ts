import { MessagePort } from 'node:worker_threads';
import { z } from 'zod';
import type { SerializedError } from '../protocol/errors.js';
import type { StepRow } from './sqlite-step-rows.js';

/** Checked where the thread starts: it is told nothing else it must trust. */
export const WriterDataSchema = z.strictObject({
  path: z.string().min(1),
  synchronous: z.enum(['normal', 'full']),
  shared: z.instanceof(SharedArrayBuffer).refine((b) => b.byteLength >= 8, 'room for two Int32 slots'),
  port: z.instanceof(MessagePort),
});
/** What the writer thread is started with: `shared` holds the Int32 slots {@link WRITTEN} and {@link STATE}; requests come in on `port` and failures go back on it. */
export type WriterData = z.infer<typeof WriterDataSchema>;

/** Slot of `shared` counting the rows the thread has finished with (written or failed). */
export const WRITTEN = 0;
/** Slot of `shared` holding the thread's {@link WriterState}. */
export const STATE = 1;
export const WriterState = { running: 0, closed: 1, broken: 2 } as const;

/** Host → writer thread. */
export type WriterRequest = { readonly type: 'rows'; readonly rows: readonly StepRow[] } | { readonly type: 'close' };

/** Writer thread → host: a row it could not write (the thread writes nothing more after it), or a connection it could not open. */
export type WriterReply = { readonly type: 'failed'; readonly error: SerializedError };
