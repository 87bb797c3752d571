import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeEvents,
  encodeEvents,
  FIELD_KINDS,
  FIELD_READERS,
  type FieldKind,
} from '../../src/store/binary-events.js';
import { PACKED_FIELDS } from '../../src/store/event-codec.js';
import { packEvents } from '../helpers/v3-log-rows.js';
import { type LoggedEvent, RunEventSchema } from '../../src/protocol/run-events.js';
import { asJson, knownEvent, looseEvent } from '../helpers/run-event-arbitraries.js';

/** Strings of every sort: a few that repeat, any Unicode, and lone surrogates (which UTF-8 cannot hold). */
const text = fc.oneof(
  fc.constantFrom('rt', 'agent', '', 'ü'),
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('\ud800', '\udc00', 'a') }),
);
const valueOf: Record<FieldKind, fc.Arbitrary<unknown>> = {
  int: fc.oneof(fc.integer(), fc.constantFrom(0, 2 ** 50, -(2 ** 50), 2 ** 50 + 2, 2 ** 53 - 1, 1.5)),
  time: fc.oneof(fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }), fc.integer()),
  str: fc.oneof(text, fc.constant(null)),
  json: fc.jsonValue(),
  outcome: fc.oneof(
    fc.constant({ ok: true }),
    fc.record({ ok: fc.constant(true), summary: text }),
    fc.record({ ok: fc.constant(false), recoverable: fc.boolean(), code: text, message: text }),
    fc.jsonValue(),
  ),
};
/** An event of a known type whose fields are of their kinds (mostly): the codec's own path. */
const typedEvent = fc.nat({ max: PACKED_FIELDS.length - 1 }).chain((code) => {
  const [type, fields] = PACKED_FIELDS[code];
  return fc
    .tuple(...FIELD_KINDS[code].map((kind) => valueOf[kind]))
    .map((values) => Object.fromEntries([['type', type], ...fields.map((f, i) => [f, values[i]])]) as LoggedEvent);
});

const wave = (n: number): LoggedEvent[] =>
  Array.from({ length: n }, (_, i) => [
    { type: 'task_dispatched', task_id: `task_${i}`, attempt: 1, agent_id: 'execution_agent' },
    {
      type: 'result_received',
      at: 1_700_000_000_000 + i,
      request_id: `run-1_task_${i}_1`,
      task_id: `task_${i}`,
      attempt: 1,
      runtime_id: 'rt-1',
      outcome: { ok: true },
    },
  ]).flat();

describe('binary log rows', () => {
  it('gives each field of each event type a kind its RunEventSchema field accepts', () => {
    const sample: Record<FieldKind, unknown> = {
      int: 1,
      time: 1_700_000_000_000,
      str: 'x',
      json: [],
      outcome: { ok: true },
    };
    expect(FIELD_KINDS).toHaveLength(PACKED_FIELDS.length);
    PACKED_FIELDS.forEach(([type, fields], code) => {
      expect(FIELD_KINDS[code], type).toHaveLength(fields.length);
      const event = Object.fromEntries([['type', type], ...fields.map((f, i) => [f, sample[FIELD_KINDS[code][i]]])]);
      expect(RunEventSchema.safeParse(event).success, type).toBe(true);
    });
  });

  it('reads the fields of each event type in the order the table gives them', () => {
    expect(FIELD_READERS).toHaveLength(PACKED_FIELDS.length);
    PACKED_FIELDS.forEach(([type, fields], code) => {
      const out: unknown[] = [];
      FIELD_READERS[code](Object.fromEntries([['type', type], ...fields.map((f) => [f, `value of ${f}`])]), out);
      expect(out, type).toEqual(fields.map((f) => `value of ${f}`));
    });
  });

  it('reads back what the events said as JSON, whatever their shape or strings', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(typedEvent, typedEvent, knownEvent, looseEvent), { maxLength: 20 }), (events) => {
        expect(decodeEvents(encodeEvents(events))).toEqual(asJson(events));
      }),
      { numRuns: 500 },
    );
  });

  it('takes a fraction of the packed JSON for a wave of dispatches and results', () => {
    const events = wave(500);
    const row = encodeEvents(events);
    expect(decodeEvents(row)).toEqual(events);
    expect(row.length).toBeLessThan(Buffer.byteLength(packEvents(events)) / 2);
  });

  it('writes a string its field held last in the row, a bare ok outcome and a close timestamp in a byte each', () => {
    const first = {
      type: 'result_received',
      at: 1_700_000_000_000,
      request_id: 'r1',
      task_id: 't1',
      attempt: 1,
      runtime_id: 'rt-1',
      outcome: { ok: true },
    };
    const second = { ...first, at: first.at + 3, request_id: 'r2', task_id: 't2' };
    const one = encodeEvents([first]).length;
    // code + at + two 2-char strings (length byte each, texts apart) + attempt + repeated runtime id + outcome.
    expect(encodeEvents([first, second]).length - one).toBe(1 + 1 + 2 + 4 + 1 + 1 + 1);
  });

  it('keeps an event with a field missing, extra or of another kind as its JSON', () => {
    const events: LoggedEvent[] = [
      { type: 'task_dispatched', task_id: 't', attempt: 1 },
      { type: 'task_dispatched', task_id: 't', attempt: 1, agent_id: 'a', extra: true },
      { type: 'task_dispatched', task_id: 't', attempt: '1', agent_id: 'a' },
      { type: 'task_dispatched', task_id: 't', attempt: 2 ** 53 + 2, agent_id: 'a' },
      { type: 'task_dispatched', task_id: 't', attempt: 1, agent_id: undefined },
      { type: 'something_new', at: 5 },
    ];
    expect(decodeEvents(encodeEvents(events))).toEqual(asJson(events));
  });

  it('writes rows larger than its scratch buffers, and small ones after them', () => {
    const big: LoggedEvent[] = Array.from({ length: 3 }, (_, i) => ({
      type: 'task_skipped',
      task_id: `t${i}`,
      reason: `${'é'.repeat(300_000)}${'x'.repeat(300_000)}`,
    }));
    expect(decodeEvents(encodeEvents(big))).toEqual(big);
    const events = wave(50);
    expect(decodeEvents(encodeEvents(events))).toEqual(events);
  });

  it("writes a row whole even when a field's toJSON writes a row of its own meanwhile", () => {
    const inner: LoggedEvent[] = [{ type: 'task_dispatched', task_id: 'inner', attempt: 1, agent_id: 'x'.repeat(40) }];
    const events = [
      { type: 'task_dispatched', task_id: 't1', attempt: 1, agent_id: 'a' },
      { type: 'run_resumed', at: 5, redispatched: { toJSON: () => decodeEvents(encodeEvents(inner)).length } },
      { type: 'task_dispatched', task_id: 't2', attempt: 2, agent_id: 'b' },
    ] as unknown as LoggedEvent[];
    expect(decodeEvents(encodeEvents(events))).toEqual(JSON.parse(JSON.stringify(events)));
  });

  it('refuses a row cut short, of another format, or with bytes left over, rather than guessing', () => {
    const row = encodeEvents(wave(3));
    for (let cut = 1; cut < row.length; cut++)
      expect(() => decodeEvents(row.subarray(0, cut)), `cut at ${cut}`).toThrow();
    expect(() => decodeEvents(Buffer.concat([Buffer.from([2]), row.subarray(1)]))).toThrow(/unknown format/);
    expect(() => decodeEvents(Buffer.concat([row, Buffer.from('x')]))).toThrow(/after its events/);
  });
});
