import type { LoggedEvent } from '../protocol/run-events.js';

/**
 * The fields of each run event type, in the order a packed event holds them, indexed by the
 * type's code. A packed event is `[code, field1, field2, …]` instead of an object with its
 * keys spelled out: a log row is a third of the size, and writing it is that much cheaper.
 * Codes and field orders are part of the file format: never reorder, only append (a test
 * checks this table against `RunEventSchema`).
 */
export const PACKED_FIELDS: ReadonlyArray<readonly [type: string, fields: readonly string[]]> = [
  ['plan_accepted', ['total_tasks']],
  ['run_started', ['at']],
  ['run_resumed', ['at', 'redispatched']],
  ['task_dispatched', ['task_id', 'attempt', 'agent_id']],
  ['result_received', ['at', 'request_id', 'task_id', 'attempt', 'runtime_id', 'outcome']],
  ['task_retried', ['task_id', 'attempt']],
  ['task_skipped', ['task_id', 'reason']],
  ['ref_resolved', ['ref_id', 'storage_uri']],
  ['dispatch_failed', ['task_id', 'attempt', 'code', 'message']],
  ['run_completed', ['status']],
  ['retry_delayed', ['at', 'task_id', 'attempt', 'delay_ms']],
  ['task_cancelled', ['at', 'task_id', 'reason']],
  ['deadline_set', ['deadline_at']],
  ['deadline_exceeded', ['at', 'message']],
];

/**
 * The events of a log row as schema 3 wrote it — each event of a known type with exactly its
 * fields as `[code, field1, field2, …]`, anything else as its object — or, before schema 3, as
 * objects. Schema 4 writes the binary rows of `binary-events.ts`; this reads the older ones.
 */
export function unpackEvents(text: string): LoggedEvent[] {
  const rows = JSON.parse(text) as unknown[];
  return rows.map((row) => (Array.isArray(row) ? unpack(row) : (row as LoggedEvent)));
}

function unpack(row: unknown[]): LoggedEvent {
  const entry = PACKED_FIELDS[row[0] as number];
  if (!entry || row.length !== entry[1].length + 1)
    throw new Error(`a packed event of unknown shape: ${JSON.stringify(row).slice(0, 200)}`);
  const event: Record<string, unknown> = { type: entry[0] };
  entry[1].forEach((field, f) => {
    event[field] = row[f + 1];
  });
  return event as LoggedEvent;
}
