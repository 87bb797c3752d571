import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeJson, encodeJson, encodeJsonParts, PART_BYTES } from '../../src/store/binary-json.js';

/** Strings of every sort, lone surrogates (which UTF-8 cannot hold) included. */
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('\ud800', '\udc00', 'é', 'a') }),
);
const jsonish = fc
  .jsonValue({ maxDepth: 4 })
  .chain((base) =>
    fc.oneof(
      fc.constant(base),
      fc.dictionary(text, fc.constant(base)),
      fc.array(fc.record({ id: text, n: fc.double(), base: fc.constant(base) }), { maxLength: 6 }),
    ),
  );
/** Values JSON treats specially: undefined fields, -0, NaN, Dates (toJSON), Maps, boxed values, null prototypes, sparse arrays. */
const anything = fc.anything({
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withSparseArray: true,
  withObjectString: true,
  stringUnit: 'binary',
});

/** `JSON.stringify(value)`, or the error it throws. */
function jsonOf(value: unknown): { text: string | undefined } | { error: unknown } {
  try {
    return { text: JSON.stringify(value) };
  } catch (error) {
    return { error };
  }
}

function expectSameAsJson(value: unknown): void {
  const json = jsonOf(value);
  if ('error' in json) {
    expect(() => encodeJson(value)).toThrow(TypeError);
    return;
  }
  const encoded = encodeJson(value);
  if (json.text === undefined) {
    expect(encoded).toBeUndefined();
    return;
  }
  // Same text again: the same values, in the same key order.
  expect(JSON.stringify(decodeJson(encoded as Buffer))).toBe(json.text);
}

describe('binary JSON values', () => {
  it('reads back exactly what JSON would, key order and odd strings included', () => {
    fc.assert(fc.property(jsonish, expectSameAsJson), { numRuns: 400 });
  });

  it('treats what JSON treats specially as JSON does', () => {
    fc.assert(fc.property(anything, expectSameAsJson), { numRuns: 400 });
    for (const value of [
      undefined,
      () => 1,
      Symbol('s'),
      10n,
      { a: 10n },
      [undefined, () => 1],
      { toJSON: () => 'x' },
      new Date(0),
      -0,
      NaN,
      2 ** 60,
      0.1,
      -(2 ** 52),
    ])
      expectSameAsJson(value);
  });

  it('keeps a __proto__ field as a field, as JSON.parse does', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as unknown;
    const back = decodeJson(encodeJson(value) as Buffer) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(back)).toBe(JSON.stringify(value));
  });

  it('writes only own fields, as JSON does, even while Object.prototype has enumerable ones', () => {
    const tasks = [{ id: 'a', extra: 1 }, { id: 'b' }, { id: 'c', extra: 3 }];
    const proto = Object.prototype as Record<string, unknown>;
    proto.extra = 'inherited';
    try {
      expectSameAsJson({ tasks });
    } finally {
      delete proto.extra;
    }
  });

  it('spells the keys of like objects once, so a plan takes well under its JSON', () => {
    const tasks = Array.from({ length: 2000 }, (_, i) => ({
      id: `task_${i}`,
      action: 'noop',
      capability_ids: ['CAP-PRE-001'],
      depends_on: i > 0 ? [`task_${i - 1}`] : [],
      input_refs: [],
      output_refs: [],
      estimated_weight: 'light',
    }));
    const encoded = encodeJson({ tasks }) as Buffer;
    expect(decodeJson(encoded)).toEqual({ tasks });
    expect(encoded.length).toBeLessThan(JSON.stringify({ tasks }).length * 0.5);
  });

  it('reports a cycle as JSON does and keeps very deep values', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => encodeJson(cyclic)).toThrow(TypeError);
    let deep: unknown = 'bottom';
    for (let i = 0; i < 3000; i++) deep = i % 2 ? [deep] : { d: deep };
    expectSameAsJson(deep);
  });

  it('encodes a large value in parts that join into its whole encoding, each part movable to another thread', () => {
    // Tasks of random sizes and scripts, so the parts end anywhere: inside a string, a varint, a float.
    const sample = fc.array(
      fc.record({ id: text, n: fc.double(), refs: fc.array(fc.string({ maxLength: 40 }), { maxLength: 4 }) }),
      { minLength: 1, maxLength: 300 },
    );
    const bigPlan = sample.map((tasks) => ({
      tasks: Array.from(
        { length: Math.ceil((4 * PART_BYTES) / (encodeJson(tasks) as Buffer).length) },
        () => tasks,
      ).flat(),
    }));
    fc.assert(
      fc.property(bigPlan, (value) => {
        const parts: Buffer[] = [];
        const last = encodeJsonParts(value, (part) => parts.push(part)) as Buffer;
        const whole = encodeJson(value) as Buffer;
        expect(whole.length).toBeGreaterThan(2 * PART_BYTES);
        expect(parts.length).toBeGreaterThanOrEqual(2);
        expect(Buffer.concat([...parts, last]).equals(whole)).toBe(true);
        // Each part has memory of its own: moving it away leaves every other buffer intact.
        const moved = parts.map((part) => structuredClone(part, { transfer: [part.buffer as ArrayBuffer] }));
        expect(parts.every((part) => part.length === 0)).toBe(true);
        expect(JSON.stringify(decodeJson(Buffer.concat([...moved, last])))).toBe(JSON.stringify(value));
      }),
      { numRuns: 4 },
    );
  });

  it('refuses a value cut short, of another format, or with bytes left over', () => {
    const encoded = encodeJson({
      tasks: [
        { id: 'a', n: 1.5, ok: true, none: null },
        { id: 'b', n: -3, ok: false, none: null },
      ],
    }) as Buffer;
    for (let cut = 1; cut < encoded.length; cut++)
      expect(() => decodeJson(encoded.subarray(0, cut)), `cut at ${cut}`).toThrow();
    expect(() => decodeJson(Buffer.concat([Buffer.from([9]), encoded.subarray(1)]))).toThrow(/unknown format/);
    expect(() => decodeJson(Buffer.concat([encoded, Buffer.from([0])]))).toThrow(/after its end/);
  });
});
