/**
 * Worker slots: each worker thread of a pool takes the lowest free slot number when it starts,
 * and its runtime id is `<prefix>-t<slot>`. A replacement for a worker that died takes the slot
 * back, so a pool of n threads always names its runtimes `<prefix>-t1` … `<prefix>-tn`: ids an
 * operator can write NATS permissions for, which thread ids (growing with every replacement)
 * are not.
 *
 * The table is shared memory (one Int32 per slot, holding the thread id that has it, 0 when
 * free): workers claim a slot themselves as they start, the host frees it when the thread
 * exits. It has twice as many slots as threads, so a replacement that starts before its
 * predecessor's exit has been seen still finds one.
 */
export type WorkerSlots = SharedArrayBuffer;

/** A slot table for a pool of `threads` workers. */
export function workerSlots(threads: number): WorkerSlots {
  return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * threads * 2);
}

/**
 * Takes the lowest free slot for thread `threadId` and returns its number, from 1. With every
 * slot taken (which the table's size rules out) it returns one past the table plus the thread
 * id: still unique, no longer reused.
 */
export function claimSlot(slots: WorkerSlots, threadId: number): number {
  const table = new Int32Array(slots);
  for (let i = 0; i < table.length; i++) if (Atomics.compareExchange(table, i, 0, threadId) === 0) return i + 1;
  return table.length + threadId;
}

/** Frees the slot thread `threadId` holds, if any (its thread exited). */
export function releaseSlot(slots: WorkerSlots, threadId: number): void {
  const table = new Int32Array(slots);
  for (let i = 0; i < table.length; i++) if (Atomics.compareExchange(table, i, threadId, 0) === threadId) return;
}
