/**
 * What the store's binary layouts (`binary-events.ts`, `binary-json.ts`) share: LEB128
 * varints of non-negative safe integers, zigzag for signed ones, a reader that refuses to run
 * past its end, and the checks both make of the values they write.
 */

/** Most bytes {@link putUint} writes for a safe integer. */
export const MAX_UINT_BYTES = 8;

/** Writes `value` (a non-negative safe integer) as an unsigned LEB128 varint at `pos`; the position after it. The caller makes room. */
export function putUint(buf: Buffer, pos: number, value: number): number {
  let v = value;
  while (v >= 0x80000000) {
    buf[pos++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  while (v >= 0x80) {
    buf[pos++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  buf[pos++] = v;
  return pos;
}

/** How many bytes {@link putUint} writes for `value`. */
export function uintBytes(value: number): number {
  let bytes = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) bytes++;
  return bytes;
}

/** A signed integer as a non-negative one: 0, -1, 1, -2 … become 0, 1, 2, 3 … */
export function zigzag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

export function unzigzag(n: number): number {
  return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
}

/** Reads bytes and varints from `buf` between `pos` and `end`; `what` names the data in errors ("a log row"). */
export class ByteReader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
    readonly what: string,
  ) {}

  byte(): number {
    if (this.pos >= this.end) throw this.truncated();
    return this.buf[this.pos++];
  }

  uint(): number {
    let value = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new Error(`${this.what} with a varint too long`);
    }
  }

  truncated(): Error {
    return new Error(`${this.what} cut short`);
  }
}

/** A Buffer over the bytes of `data` (a Buffer posted to another thread arrives as a plain Uint8Array). */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** `String.prototype.isWellFormed` (ES2024; in every Node from 20), which the ES2023 lib does not declare. */
export function isWellFormed(text: string): boolean {
  return (text as string & { isWellFormed(): boolean }).isWellFormed();
}

/** Enumerable own and inherited keys, counted without making an array of them. */
export function keyCount(value: object): number {
  let keys = 0;
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  for (const _key in value) keys++;
  return keys;
}
