import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PACKED_FIELDS, unpackEvents } from '../../src/store/event-codec.js';
import { packEvents } from '../helpers/v3-log-rows.js';
import { type LoggedEvent, RunEventSchema } from '../../src/protocol/run-events.js';
import { asJson, knownEvent, looseEvent } from '../helpers/run-event-arbitraries.js';

describe('packed run events', () => {
  it('packs exactly the fields RunEventSchema gives each event type, in a fixed order', () => {
    const schema = new Map(
      RunEventSchema.options.map((o) => [
        o.shape.type.value as string,
        Object.keys(o.shape).filter((k) => k !== 'type'),
      ]),
    );
    expect(new Set(PACKED_FIELDS.map(([type]) => type))).toEqual(new Set(schema.keys()));
    for (const [type, fields] of PACKED_FIELDS)
      expect([...fields].sort(), type).toEqual([...(schema.get(type) ?? [])].sort());
  });

  it('reads back what the events said as JSON, whatever their shape', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(knownEvent, looseEvent), { maxLength: 12 }), (events) => {
        expect(unpackEvents(packEvents(events))).toEqual(asJson(events));
      }),
    );
  });

  it('writes an event of a known shape as an array, far smaller than its object', () => {
    const event: LoggedEvent = {
      type: 'result_received',
      at: 1_700_000_000_005,
      request_id: 'req_5_1',
      task_id: 'task_5',
      attempt: 1,
      runtime_id: 'rt',
      outcome: { ok: true },
    };
    const text = packEvents([event]);
    expect(JSON.parse(text)).toEqual([[4, 1_700_000_000_005, 'req_5_1', 'task_5', 1, 'rt', { ok: true }]]);
    expect(text.length).toBeLessThan(JSON.stringify([event]).length * 0.6);
  });

  it('keeps an event with a field left undefined as an object, so the field stays absent', () => {
    const event = { type: 'task_dispatched', task_id: 't', attempt: 1, agent_id: undefined } as LoggedEvent;
    expect(unpackEvents(packEvents([event]))).toEqual([{ type: 'task_dispatched', task_id: 't', attempt: 1 }]);
  });

  it('refuses a packed row of an unknown code or length rather than guessing its fields', () => {
    expect(() => unpackEvents('[[99,1]]')).toThrow(/unknown shape/);
    expect(() => unpackEvents('[[3,"t",1]]')).toThrow(/unknown shape/);
  });
});
