/**
 * A JSON value in a compact binary form, for the large values a store keeps whole (a run's
 * plan): a format byte, then a tag per value, with integers as varints and strings as their
 * length and bytes. An object with the key list of an earlier one refers to it by number, so
 * an array of tasks spells its keys once. It reads back as exactly what
 * `JSON.parse(JSON.stringify(value))` gives, key order included.
 *
 * Why not msgpackr (2.1.4, `new Packr({ structuredClone: false, useRecords: true })`, its
 * records spelling repeated key lists once as ours do)? Measured in one process, encode then
 * decode, paired rounds each going first as often, medians of 12, on the shared 2-core machine
 * (2026-12-05; msgpackr without its optional native string extractor, which this project does
 * not build):
 *
 * | value                                   | ours     | msgpackr as is  | msgpackr with JSON's meaning |
 * | --------------------------------------- | -------- | --------------- | ---------------------------- |
 * | video-analysis example plan (12 tasks)  | 0.057 ms | 0.68–0.84 × ours | 0.77–0.79 × ours             |
 * | largePlan(2,000), 277 kB ours           | 3.2 ms   | 0.82–0.85 ×      | 0.95–0.97 ×                  |
 * | largePlan(20,000), 3.0 MB ours          | 50–55 ms | 0.92–1.03 ×      | 1.08–1.18 ×                  |
 *
 * As is, msgpackr is faster, but it does not keep JSON's meaning, which a stored plan must have
 * (resume and replay read back what the run was given as JSON): an `undefined` field stays
 * (JSON drops it, or makes it `null` in an array), a `Date` comes back a `Date` (JSON: its
 * `toJSON` text), `NaN` stays `NaN` (JSON: `null`), a lone surrogate becomes U+FFFD. Given that
 * meaning — packing as is only what a check walk finds to be JSON already, the rest through
 * `JSON.stringify` first — it is faster on small plans, level at 2,000 tasks, and 8–18 % slower
 * at 20,000: the plans this form exists for. It also packs whole, where {@link encodeJsonParts}
 * hands a large plan to the writer thread in parts while encoding the rest, and files written
 * in this form would still need this decoder. So this format stays.
 */

import {
  asBuffer,
  ByteReader,
  isWellFormed,
  keyCount,
  MAX_UINT_BYTES,
  putUint,
  unzigzag,
  zigzag,
} from './binary-layout.js';

const FORMAT = 1;
const T_NULL = 0;
const T_FALSE = 1;
const T_TRUE = 2;
const T_INT = 3;
const T_FLOAT = 4;
const T_STRING = 5;
const T_ARRAY = 6;
/** An object with a key list not seen before: its key count and keys, then its values. */
const T_OBJECT_NEW = 7;
/** An object with the key list numbered next (a varint), then its values. */
const T_OBJECT_SEEN = 8;
/** An object's field that JSON leaves out (undefined, a function, a symbol): the field is skipped. */
const T_ABSENT = 10;
/** A value kept as its JSON text (anything `JSON.stringify` treats specially: `toJSON`, class instances). */
const T_JSON = 9;
/** How a string's bytes are kept (the low two bits of its header). */
const S_ASCII = 0;
const S_UTF8 = 1;
const S_JSON = 2;
/** Deeper than this, a value is kept as its JSON (which also reports a cycle as JSON does). */
const MAX_DEPTH = 500;
/** Integers of at most this magnitude are varints; others, and fractions, are 8-byte floats. */
const MAX_VARINT = 2 ** 52;

/** A large encoding is made in parts of about this many bytes (see {@link encodeJsonParts}). */
export const PART_BYTES = 1 << 20;

/** `value` in the binary form; `undefined` where `JSON.stringify` would give no text at all. */
export function encodeJson(value: unknown): Buffer | undefined {
  const parts: Buffer[] = [];
  const last = encodeJsonParts(value, (part) => parts.push(part));
  if (last === undefined || parts.length === 0) return last;
  parts.push(last);
  return Buffer.concat(parts);
}

/**
 * {@link encodeJson} in parts: each time about {@link PART_BYTES} are written, they go to
 * `onPart` while the rest is still being encoded, and the last part is returned; the parts
 * joined in order are the encoding. A part given to `onPart` owns its memory (it is never a
 * slice of Node's shared pool), so it can be transferred to another thread.
 */
export function encodeJsonParts(value: unknown, onPart: (part: Buffer) => void): Buffer | undefined {
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return undefined;
  const w = new JsonWriter(onPart);
  w.buf[w.pos++] = FORMAT;
  w.value(value);
  return w.done();
}

/** The value a buffer made by {@link encodeJson} holds; throws on one of another shape. */
export function decodeJson(data: Uint8Array): unknown {
  const buf = asBuffer(data);
  if (buf[0] !== FORMAT) throw new Error(`a stored value of unknown format ${buf[0]}`);
  const r = new JsonReader(buf, 1);
  const value = r.value();
  if (r.pos !== buf.length) throw new Error('a stored value with bytes after its end');
  return value;
}

/** The first buffer's size: small values stay small. It doubles up to {@link PART_BYTES}. */
const FIRST_BYTES = 1 << 16;

class JsonWriter {
  buf = Buffer.allocUnsafe(FIRST_BYTES);
  pos = 0;
  readonly #onPart: (part: Buffer) => void;
  /** Key lists seen so far, by number and by their JSON, and the last one matched at each depth. */
  readonly #shapes: string[][] = [];
  readonly #shapeIds = new Map<string, number>();
  readonly #lastAtDepth: Array<number | undefined> = [];
  #depth = 0;
  readonly #forInIsOwn = keyCount(Object.prototype) === 0;

  constructor(onPart: (part: Buffer) => void) {
    this.#onPart = onPart;
  }

  value(value: unknown): void {
    this.#room(10);
    switch (typeof value) {
      case 'string':
        this.buf[this.pos++] = T_STRING;
        this.#string(value);
        return;
      case 'number':
        return this.#number(value);
      case 'boolean':
        this.buf[this.pos++] = value ? T_TRUE : T_FALSE;
        return;
      case 'object':
        if (value === null) {
          this.buf[this.pos++] = T_NULL;
          return;
        }
        if (Array.isArray(value)) return this.#array(value);
        return this.#object(value as Record<string, unknown>);
      default:
        // undefined, a function or a symbol where a value must be (an array slot): JSON's null.
        if (typeof value === 'bigint') throw new TypeError('Do not know how to serialize a BigInt');
        this.buf[this.pos++] = T_NULL;
    }
  }

  #number(value: number): void {
    if (!Number.isFinite(value)) {
      this.buf[this.pos++] = T_NULL;
    } else if (Number.isInteger(value) && Math.abs(value) <= MAX_VARINT) {
      this.buf[this.pos++] = T_INT;
      this.uint(zigzag(value));
    } else {
      this.buf[this.pos++] = T_FLOAT;
      this.pos = this.buf.writeDoubleLE(value, this.pos);
    }
  }

  #array(value: readonly unknown[]): void {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function' || this.#depth >= MAX_DEPTH)
      return this.#json(value);
    this.buf[this.pos++] = T_ARRAY;
    this.uint(value.length);
    this.#depth++;
    for (let i = 0; i < value.length; i++) this.value(value[i]);
    this.#depth--;
  }

  #object(value: Record<string, unknown>): void {
    const proto: unknown = Object.getPrototypeOf(value);
    if (
      (proto !== Object.prototype && proto !== null) ||
      typeof value.toJSON === 'function' ||
      this.#depth >= MAX_DEPTH
    )
      return this.#json(value);
    const keys = this.#keysOf(value);
    const shape = this.#shape(keys);
    this.#room(10);
    if (shape < 0) {
      this.buf[this.pos++] = T_OBJECT_NEW;
      this.uint(keys.length);
      for (let k = 0; k < keys.length; k++) this.#string(keys[k]);
    } else {
      this.buf[this.pos++] = T_OBJECT_SEEN;
      this.uint(shape);
    }
    this.#depth++;
    for (let k = 0; k < keys.length; k++) {
      const v = value[keys[k]];
      if (v === undefined || typeof v === 'function' || typeof v === 'symbol') {
        // JSON leaves such a field out.
        this.#room(1);
        this.buf[this.pos++] = T_ABSENT;
      } else {
        this.value(v);
      }
    }
    this.#depth--;
  }

  /**
   * The object's own enumerable keys, as `Object.keys` gives them. An object with the key list
   * last seen at this depth (the next task of a plan) is checked against it without making an
   * array. `for…in` also walks inherited keys: while `Object.prototype` has enumerable ones
   * (someone polluted it), `Object.keys` always decides.
   */
  #keysOf(value: Record<string, unknown>): string[] {
    const last = this.#lastAtDepth[this.#depth];
    if (last !== undefined && this.#forInIsOwn) {
      const keys = this.#shapes[last];
      let k = 0;
      let same = true;
      for (const key in value) {
        if (k >= keys.length || key !== keys[k]) {
          same = false;
          break;
        }
        k++;
      }
      if (same && k === keys.length) return keys;
    }
    return Object.keys(value);
  }

  /** The number of an earlier identical key list, or -1 after numbering this new one. */
  #shape(keys: string[]): number {
    // Like objects sit at like depths (the tasks of a plan, their refs): try the last one here first.
    const last = this.#lastAtDepth[this.#depth];
    if (last !== undefined && sameKeys(this.#shapes[last], keys)) return last;
    const id = JSON.stringify(keys);
    const seen = this.#shapeIds.get(id);
    if (seen !== undefined) {
      this.#lastAtDepth[this.#depth] = seen;
      return seen;
    }
    this.#shapeIds.set(id, this.#shapes.length);
    this.#lastAtDepth[this.#depth] = this.#shapes.length;
    this.#shapes.push(keys);
    return -1;
  }

  #json(value: unknown): void {
    this.buf[this.pos++] = T_JSON;
    this.#string(JSON.stringify(value) ?? 'null');
  }

  /**
   * A string: a varint of its byte length times 4 plus how the bytes are kept — ASCII, UTF-8,
   * or (for a string with a lone surrogate, which UTF-8 cannot hold) the UTF-8 of its JSON.
   */
  #string(value: string): void {
    const n = value.length;
    this.#room(n + 8);
    // ASCII (the common case) is copied as it is checked, after the header it will have.
    const start = this.pos;
    const buf = this.buf;
    let pos = putUint(buf, start, n * 4 + S_ASCII);
    let i = 0;
    for (; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c > 0x7f) break;
      buf[pos++] = c;
    }
    if (i === n) {
      this.pos = pos;
      return;
    }
    // Not ASCII: written again from its start.
    this.pos = start;
    const wellFormed = isWellFormed(value);
    const text = wellFormed ? value : JSON.stringify(value);
    const bytes = Buffer.byteLength(text, 'utf8');
    this.uint(bytes * 4 + (wellFormed ? S_UTF8 : S_JSON));
    this.#room(bytes);
    this.pos += this.buf.write(text, this.pos, 'utf8');
  }

  uint(value: number): void {
    this.#room(MAX_UINT_BYTES);
    this.pos = putUint(this.buf, this.pos, value);
  }

  /**
   * Makes room for `bytes` more: below {@link PART_BYTES} by growing the buffer, beyond it by
   * handing the bytes so far on as a part and starting a new buffer (no byte is copied twice).
   */
  #room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    if (this.buf.length < PART_BYTES) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
      this.buf.copy(grown, 0, 0, this.pos);
      this.buf = grown;
      return;
    }
    this.#onPart(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(PART_BYTES, bytes));
    this.pos = 0;
  }

  done(): Buffer {
    // A copy of just the bytes written: the value outlives this writer's spare room.
    return Buffer.from(this.buf.subarray(0, this.pos));
  }
}

class JsonReader extends ByteReader {
  readonly #shapes: string[][] = [];

  constructor(buf: Buffer, pos: number) {
    super(buf, pos, buf.length, 'a stored value');
  }

  value(): unknown {
    const tag = this.byte();
    switch (tag) {
      case T_NULL:
        return null;
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_INT: {
        return unzigzag(this.uint());
      }
      case T_FLOAT: {
        if (this.pos + 8 > this.end) throw this.truncated();
        const n = this.buf.readDoubleLE(this.pos);
        this.pos += 8;
        return n;
      }
      case T_STRING:
        return this.#string();
      case T_ARRAY: {
        const length = this.uint();
        if (length > this.end - this.pos) throw this.truncated();
        const out: unknown[] = new Array(length);
        for (let i = 0; i < length; i++) out[i] = this.value();
        return out;
      }
      case T_OBJECT_NEW: {
        const count = this.uint();
        if (count > this.end - this.pos) throw this.truncated();
        const keys: string[] = new Array(count);
        for (let k = 0; k < count; k++) keys[k] = this.#string();
        this.#shapes.push(keys);
        return this.#fields(keys);
      }
      case T_OBJECT_SEEN: {
        const keys = this.#shapes[this.uint()];
        if (keys === undefined) throw new Error('a stored value naming a key list it never held');
        return this.#fields(keys);
      }
      case T_JSON:
        return JSON.parse(this.#string()) as unknown;
      default:
        throw new Error(`a stored value with an unknown tag ${tag}`);
    }
  }

  #fields(keys: readonly string[]): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      if (this.buf[this.pos] === T_ABSENT && this.pos < this.end) {
        this.pos++;
        continue;
      }
      const value = this.value();
      // `__proto__` read from JSON is an own field, not the object's prototype.
      if (key === '__proto__')
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
    }
    return out;
  }

  #string(): string {
    const header = this.uint();
    const mode = header % 4;
    const end = this.pos + (header - mode) / 4;
    if (end > this.end) throw this.truncated();
    const text = this.buf.toString(mode === S_ASCII ? 'latin1' : 'utf8', this.pos, end);
    this.pos = end;
    if (mode === S_ASCII || mode === S_UTF8) return text;
    const value: unknown = mode === S_JSON ? JSON.parse(text) : undefined;
    if (typeof value !== 'string') throw new Error(`a stored value with a string of unknown kind ${mode}`);
    return value;
  }
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
