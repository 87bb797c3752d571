import type { LoggedEvent } from './run-events.js';

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
];

const CODE = new Map(PACKED_FIELDS.map(([type], code) => [type, code]));

/**
 * A step's events as the text of one log row, as schema 3 wrote them (schema 4 writes the
 * binary rows of `binary-events.ts`; this stays to read older rows, and to describe them): each event of a known type with exactly its
 * fields, all defined, packed as an array; anything else (an unknown type, a missing or extra
 * field) kept as its object, so nothing is lost.
 */
export function packEvents(events: readonly LoggedEvent[]): string {
  const out: unknown[] = new Array(events.length);
  for (let i = 0; i < events.length; i++) out[i] = pack(events[i]);
  return JSON.stringify(out);
}

/** The events of a log row written by {@link packEvents} (or, before schema 3, as objects). */
export function unpackEvents(text: string): LoggedEvent[] {
  const rows = JSON.parse(text) as unknown[];
  return rows.map((row) => (Array.isArray(row) ? unpack(row) : (row as LoggedEvent)));
}

function pack(event: LoggedEvent): unknown {
  const code = CODE.get(event.type);
  if (code === undefined) return event;
  const fields = PACKED_FIELDS[code][1];
  let fieldCount = 0;
  for (const key in event) if (key !== 'type') fieldCount++;
  if (fieldCount !== fields.length) return event;
  const packed: unknown[] = new Array(fields.length + 1);
  packed[0] = code;
  for (let f = 0; f < fields.length; f++) {
    const value = event[fields[f]];
    if (value === undefined) return event;
    packed[f + 1] = value;
  }
  return packed;
}

function unpack(row: unknown[]): LoggedEvent {
  const entry = PACKED_FIELDS[row[0] as number];
  if (!entry || row.length !== entry[1].length + 1) throw new Error(`a packed event of unknown shape: ${JSON.stringify(row).slice(0, 200)}`);
  const event: Record<string, unknown> = { type: entry[0] };
  entry[1].forEach((field, f) => {
    event[field] = row[f + 1];
  });
  return event as LoggedEvent;
}
