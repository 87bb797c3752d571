import { PACKED_FIELDS } from '../../src/store/event-codec.js';
import type { LoggedEvent } from '../../src/protocol/run-events.js';

const CODE = new Map(PACKED_FIELDS.map(([type], code) => [type, code]));

/**
 * A step's events as the text of one log row, as Switchyard's schema 3 wrote them: each event
 * of a known type with exactly its fields, all defined, packed as `[code, fields…]`; anything
 * else kept as its object. For tests of reading such rows (`unpackEvents`).
 */
export function packEvents(events: readonly LoggedEvent[]): string {
  return JSON.stringify(events.map(pack));
}

function pack(event: LoggedEvent): unknown {
  const code = CODE.get(event.type);
  if (code === undefined) return event;
  const fields = PACKED_FIELDS[code][1];
  let fieldCount = 0;
  for (const key in event) if (key !== 'type') fieldCount++;
  if (fieldCount !== fields.length) return event;
  const packed: unknown[] = [code];
  for (const field of fields) {
    const value = event[field];
    if (value === undefined) return event;
    packed.push(value);
  }
  return packed;
}
