import fc from 'fast-check';
import { PACKED_FIELDS } from '../../src/store/event-codec.js';
import type { LoggedEvent } from '../../src/protocol/run-events.js';

/** What a log row held before any packing: the events' own JSON. Every codec must read back this. */
export const asJson = (events: readonly LoggedEvent[]): unknown => JSON.parse(JSON.stringify(events));

const json = fc.jsonValue();

/** An event of a known type with every field, each any JSON value (so of the right kind or not). */
export const knownEvent = fc
  .constantFrom(...PACKED_FIELDS)
  .chain(([type, fields]) =>
    fc
      .tuple(...fields.map(() => json))
      .map((values) => Object.fromEntries([['type', type], ...fields.map((f, i) => [f, values[i]])]) as LoggedEvent),
  );

/** An event with a known or unknown type and some fields, some left undefined. */
export const looseEvent = fc
  .record({ type: fc.oneof(fc.constantFrom(...PACKED_FIELDS.map(([t]) => t)), fc.string()) })
  .chain((base) =>
    fc
      .dictionary(
        fc.constantFrom('task_id', 'attempt', 'agent_id', 'at', 'extra', 'outcome'),
        fc.oneof(json, fc.constant(undefined)),
      )
      .map((rest) => ({ ...rest, ...base }) as LoggedEvent),
  );
