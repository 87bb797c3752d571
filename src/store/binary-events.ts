import { PACKED_FIELDS } from './event-codec.js';
import type { LoggedEvent } from '../protocol/run-events.js';
import {
  asBuffer,
  ByteReader,
  isWellFormed,
  keyCount,
  MAX_UINT_BYTES,
  putUint,
  uintBytes,
  unzigzag,
  zigzag,
} from './binary-layout.js';

/**
 * How each field of a known event type is written, in {@link PACKED_FIELDS} order:
 * - `int`: a safe integer, as a zigzag LEB128 varint;
 * - `time`: a safe integer (epoch ms), as the zigzag varint of its difference from the row's
 *   previous `time` field (the first from 0), so a step's timestamps take a byte or two;
 * - `str`: a string or `null`; a string equal to the one the same field of the same event
 *   type held last in the row takes one byte (agent and runtime ids repeat a lot);
 * - `json`: any JSON value, as its UTF-8 JSON text;
 * - `outcome`: a recorded outcome; a bare `{ ok: true }` takes one byte, anything else its JSON.
 * Part of the file format, like the codes: never change a kind, only append event types.
 */
export const FIELD_KINDS: ReadonlyArray<readonly FieldKind[]> = [
  ['int'], // plan_accepted: total_tasks
  ['time'], // run_started: at
  ['time', 'json'], // run_resumed: at, redispatched
  ['str', 'int', 'str'], // task_dispatched: task_id, attempt, agent_id
  ['time', 'str', 'str', 'int', 'str', 'outcome'], // result_received: at, request_id, task_id, attempt, runtime_id, outcome
  ['str', 'int'], // task_retried: task_id, attempt
  ['str', 'str'], // task_skipped: task_id, reason
  ['str', 'str'], // ref_resolved: ref_id, storage_uri
  ['str', 'int', 'str', 'str'], // dispatch_failed: task_id, attempt, code, message
  ['str'], // run_completed: status
  ['time', 'str', 'int', 'int'], // retry_delayed: at, task_id, attempt, delay_ms (a fractional delay is kept as JSON)
  ['time', 'str', 'str'], // task_cancelled: at, task_id, reason
  ['time'], // deadline_set: deadline_at
  ['time', 'str'], // deadline_exceeded: at, message
];
export type FieldKind = 'int' | 'time' | 'str' | 'json' | 'outcome';

type Fields = Record<string, unknown>;
/**
 * Reads the fields of an event of each type, in {@link PACKED_FIELDS} order, into `out`: one
 * function per type, so each property read sees events of one shape (a test checks them
 * against the table).
 */
export const FIELD_READERS: ReadonlyArray<(e: Fields, out: unknown[]) => void> = [
  (e, o) => void (o[0] = e.total_tasks),
  (e, o) => void (o[0] = e.at),
  (e, o) => void ((o[0] = e.at), (o[1] = e.redispatched)),
  (e, o) => void ((o[0] = e.task_id), (o[1] = e.attempt), (o[2] = e.agent_id)),
  (e, o) =>
    void (
      (o[0] = e.at),
      (o[1] = e.request_id),
      (o[2] = e.task_id),
      (o[3] = e.attempt),
      (o[4] = e.runtime_id),
      (o[5] = e.outcome)
    ),
  (e, o) => void ((o[0] = e.task_id), (o[1] = e.attempt)),
  (e, o) => void ((o[0] = e.task_id), (o[1] = e.reason)),
  (e, o) => void ((o[0] = e.ref_id), (o[1] = e.storage_uri)),
  (e, o) => void ((o[0] = e.task_id), (o[1] = e.attempt), (o[2] = e.code), (o[3] = e.message)),
  (e, o) => void (o[0] = e.status),
  (e, o) => void ((o[0] = e.at), (o[1] = e.task_id), (o[2] = e.attempt), (o[3] = e.delay_ms)),
  (e, o) => void ((o[0] = e.at), (o[1] = e.task_id), (o[2] = e.reason)),
  (e, o) => void (o[0] = e.deadline_at),
  (e, o) => void ((o[0] = e.at), (o[1] = e.message)),
];

/** First byte of a row: the layout below. A reader refuses any other. */
const FORMAT = 1;
/** Code of an event kept whole as JSON: an unknown type, or a field missing or of another kind. */
const AS_JSON = 0xff;
/** Largest magnitude an `int` or `time` field may have (2^50; epoch ms now are about 2^41), so differences stay safe integers. */
const MAX_INT = 2 ** 50;
/** Headers of a `str` field: null, the slot's last string again, or a new string of length `header - STR_OFFSET`. */
const STR_NULL = 0;
const STR_REPEAT = 1;
const STR_OFFSET = 2;
const OUTCOME_JSON = 0;
const OUTCOME_OK = 1;
/** How the row's text section is kept: its UTF-8, or (if it holds a lone surrogate, which UTF-8 cannot) a JSON string. */
const TEXT_UTF8 = 0;
const TEXT_JSON = 1;
/** Most bytes one event's fields take in the numeric section (a varint is at most 8 bytes here). */
const MAX_EVENT_BYTES = 1 + (MAX_UINT_BYTES + 1) * Math.max(...FIELD_KINDS.map((k) => k.length));

const CODE = new Map(PACKED_FIELDS.map(([type], code) => [type, code]));
/** Index of each (event type, field) in a row's table of last strings. */
const SLOTS: number[][] = [];
let slotCount = 0;
for (const kinds of FIELD_KINDS) SLOTS.push(kinds.map(() => slotCount++));

/**
 * A step's events as one log row: `[FORMAT, count, numeric length, numeric section, text kind,
 * text section]`. The numeric section holds each event's code byte and its fields as
 * {@link FIELD_KINDS} says, with each string or JSON text given by its length; the texts
 * themselves follow, joined, in one UTF-8 section. That is about a third of the packed JSON's
 * bytes, written in a fraction of its time, and needs no compression. An event that does not
 * fit its type's fields exactly is kept as its JSON, so nothing is lost: reading the row back
 * gives what `JSON.parse(JSON.stringify(events))` gives.
 */
export function encodeEvents(events: readonly LoggedEvent[]): Buffer {
  // Almost every row is written straight into the scratch buffers; one with a string UTF-8
  // cannot hold (a lone surrogate) is written again with its texts kept as JSON.
  return encodeWith(events, false) ?? (encodeWith(events, true) as Buffer);
}

/** Scratch buffers grown past this are let go after their row (an unusually large one), not kept. */
const SCRATCH_KEEP = 1 << 20;
const newScratch = (bytes: number) => ({ numbers: Buffer.allocUnsafe(bytes), text: Buffer.allocUnsafe(bytes) });
/** Scratch for the sections of the row being written: one pair, reused by every row while no other is being written. */
let scratch: { numbers: Buffer; text: Buffer } | undefined = newScratch(1 << 16);

/** The row, or `undefined` when a string needs the JSON text section and `asJson` is not set. */
function encodeWith(events: readonly LoggedEvent[], asJson: boolean): Buffer | undefined {
  // Taken while in use: a `toJSON` that wrote a row of its own would get fresh buffers.
  const own = scratch ?? newScratch(events.length * 16 + 16);
  scratch = undefined;
  try {
    const w = new RowWriter(own, asJson);
    for (let i = 0; i < events.length; i++) w.event(events[i]);
    return w.done(events.length);
  } finally {
    scratch = own.numbers.length > SCRATCH_KEEP || own.text.length > SCRATCH_KEEP ? newScratch(1 << 16) : own;
  }
}

/** The events of a row written by {@link encodeEvents}; throws on a row of another shape. */
export function decodeEvents(row: Uint8Array): LoggedEvent[] {
  const buf = asBuffer(row);
  const head = new ByteReader(buf, 0, buf.length, 'a log row');
  if (head.byte() !== FORMAT) throw new Error(`a log row of unknown format ${buf[0]}`);
  const count = head.uint();
  const numericEnd = head.uint() + head.pos;
  if (numericEnd >= buf.length) throw head.truncated();
  const textKind = buf[numericEnd];
  const raw = buf.toString('utf8', numericEnd + 1);
  const texts = textKind === TEXT_UTF8 ? raw : textKind === TEXT_JSON ? (JSON.parse(raw) as string) : undefined;
  if (typeof texts !== 'string') throw new Error(`a log row with a text section of unknown kind ${textKind}`);
  const r = new RowReader(new ByteReader(buf, head.pos, numericEnd, 'a log row'), texts);
  const events: LoggedEvent[] = new Array(count);
  for (let i = 0; i < count; i++) events[i] = r.event();
  if (r.numbers.pos !== numericEnd || r.textPos !== texts.length)
    throw new Error('a log row with bytes after its events');
  return events;
}

class RowWriter {
  buf: Buffer;
  pos = 0;
  /** The text section as it is written: ASCII copied, other well-formed text as UTF-8. */
  #textBuf: Buffer;
  #textPos = 0;
  /** Set when a string has a lone surrogate: the row must keep its texts as JSON. */
  #malformed = false;
  /** With `asJson`: the texts, joined at the end into one JSON string. */
  readonly #texts: string[] | undefined;
  readonly #own: { numbers: Buffer; text: Buffer };
  readonly #last: Array<string | undefined> = new Array(slotCount).fill(undefined);
  #time = 0;
  /** The fields of the event being written, read once while checking them. */
  readonly #values: unknown[] = [];
  /** JSON texts of its `json` and `outcome` fields (undefined for a bare ok outcome). */
  readonly #json: Array<string | undefined> = [];

  constructor(own: { numbers: Buffer; text: Buffer }, asJson: boolean) {
    this.#own = own;
    this.buf = own.numbers;
    this.#textBuf = own.text;
    this.#texts = asJson ? [] : undefined;
  }

  event(event: LoggedEvent): void {
    if (this.pos + MAX_EVENT_BYTES > this.buf.length) this.#grow();
    const code = CODE.get(event.type);
    if (code === undefined || !this.#fits(event, code)) {
      this.buf[this.pos++] = AS_JSON;
      this.#text(JSON.stringify(event));
      return;
    }
    this.buf[this.pos++] = code;
    const kinds = FIELD_KINDS[code];
    const values = this.#values;
    for (let f = 0; f < kinds.length; f++) {
      const value = values[f];
      switch (kinds[f]) {
        case 'int':
          this.#uint(zigzag(value as number));
          break;
        case 'time':
          this.#uint(zigzag((value as number) - this.#time));
          this.#time = value as number;
          break;
        case 'str':
          this.#str(value as string | null, SLOTS[code][f]);
          break;
        case 'json':
          this.#text(this.#json[f] as string);
          break;
        case 'outcome': {
          const text = this.#json[f];
          this.buf[this.pos++] = text === undefined ? OUTCOME_OK : OUTCOME_JSON;
          if (text !== undefined) this.#text(text);
          break;
        }
      }
    }
  }

  /** Whether `event` has exactly its type's fields, each of its kind (read into #values). */
  #fits(event: LoggedEvent, code: number): boolean {
    const kinds = FIELD_KINDS[code];
    if (keyCount(event) !== kinds.length + 1) return false;
    FIELD_READERS[code](event, this.#values);
    for (let f = 0; f < kinds.length; f++) {
      const value = this.#values[f];
      switch (kinds[f]) {
        case 'int':
        case 'time':
          if (!Number.isInteger(value) || Math.abs(value as number) > MAX_INT) return false;
          break;
        case 'str':
          if (typeof value !== 'string' && value !== null) return false;
          break;
        case 'json':
        case 'outcome': {
          if (kinds[f] === 'outcome' && isBareOk(value)) {
            this.#json[f] = undefined;
            break;
          }
          const text = value === undefined ? undefined : JSON.stringify(value);
          if (text === undefined) return false;
          this.#json[f] = text;
          break;
        }
      }
    }
    return true;
  }

  #str(value: string | null, slot: number): void {
    if (value === null) return this.#uint(STR_NULL);
    if (value === this.#last[slot]) return this.#uint(STR_REPEAT);
    this.#last[slot] = value;
    this.#uint(value.length + STR_OFFSET);
    this.#put(value);
  }

  #text(value: string): void {
    this.#uint(value.length);
    this.#put(value);
  }

  /** Appends `value` to the text section. */
  #put(value: string): void {
    if (this.#texts) {
      this.#texts.push(value);
      return;
    }
    const n = value.length;
    if (this.#textPos + n * 3 > this.#textBuf.length) this.#growText(n * 3);
    const b = this.#textBuf;
    let p = this.#textPos;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c > 0x7f) {
        const rest = value.slice(i);
        if (!isWellFormed(rest)) this.#malformed = true;
        else p += b.write(rest, p, 'utf8');
        break;
      }
      b[p++] = c;
    }
    this.#textPos = p;
  }

  #growText(bytes: number): void {
    const grown = Buffer.allocUnsafe(this.#textBuf.length * 2 + bytes);
    this.#textBuf.copy(grown, 0, 0, this.#textPos);
    this.#textBuf = this.#own.text = grown;
  }

  /** A varint (room checked per event). */
  #uint(value: number): void {
    this.pos = putUint(this.buf, this.pos, value);
  }

  #grow(): void {
    const grown = Buffer.allocUnsafe(this.buf.length * 2 + MAX_EVENT_BYTES);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = this.#own.numbers = grown;
  }

  /** The row, copied out of the scratch; `undefined` if a string needs the JSON text section this writer does not keep. */
  done(count: number): Buffer | undefined {
    if (this.#malformed) return undefined;
    let json: string | undefined;
    let kind = TEXT_UTF8;
    if (this.#texts) {
      // Joined first: a pair split across two strings is whole again, and UTF-8 can hold it.
      json = this.#texts.join('');
      if (!isWellFormed(json)) {
        json = JSON.stringify(json);
        kind = TEXT_JSON;
      }
    }
    const text = json === undefined ? this.#textPos : Buffer.byteLength(json, 'utf8');
    const numbersAt = 1 + uintBytes(count) + uintBytes(this.pos);
    const textAt = numbersAt + this.pos + 1;
    const row = Buffer.allocUnsafe(textAt + text);
    row[0] = FORMAT;
    putUint(row, putUint(row, 1, count), this.pos);
    this.buf.copy(row, numbersAt, 0, this.pos);
    row[textAt - 1] = kind;
    if (json === undefined) this.#textBuf.copy(row, textAt, 0, this.#textPos);
    else row.write(json, textAt, 'utf8');
    return row;
  }
}

class RowReader {
  textPos = 0;
  readonly #last: Array<string | undefined> = new Array(slotCount).fill(undefined);
  #time = 0;

  constructor(
    readonly numbers: ByteReader,
    readonly texts: string,
  ) {}

  event(): LoggedEvent {
    const n = this.numbers;
    const code = n.byte();
    if (code === AS_JSON) return JSON.parse(this.#text(n.uint())) as LoggedEvent;
    const entry = PACKED_FIELDS[code];
    if (!entry) throw new Error(`a log row holding an event of unknown code ${code}`);
    const [type, fields] = entry;
    const kinds = FIELD_KINDS[code];
    const event: Record<string, unknown> = { type };
    for (let f = 0; f < kinds.length; f++) {
      switch (kinds[f]) {
        case 'int':
          event[fields[f]] = unzigzag(n.uint());
          break;
        case 'time':
          this.#time += unzigzag(n.uint());
          event[fields[f]] = this.#time;
          break;
        case 'str':
          event[fields[f]] = this.#str(SLOTS[code][f]);
          break;
        case 'json':
          event[fields[f]] = JSON.parse(this.#text(n.uint())) as unknown;
          break;
        case 'outcome':
          event[fields[f]] = n.byte() === OUTCOME_OK ? { ok: true } : (JSON.parse(this.#text(n.uint())) as unknown);
          break;
      }
    }
    return event as LoggedEvent;
  }

  #str(slot: number): string | null {
    const header = this.numbers.uint();
    if (header === STR_NULL) return null;
    if (header === STR_REPEAT) {
      const last = this.#last[slot];
      if (last === undefined) throw new Error('a log row repeating a string it never held');
      return last;
    }
    const value = this.#text(header - STR_OFFSET);
    this.#last[slot] = value;
    return value;
  }

  #text(length: number): string {
    const end = this.textPos + length;
    if (end > this.texts.length) throw this.numbers.truncated();
    const value = this.texts.slice(this.textPos, end);
    this.textPos = end;
    return value;
  }
}

function isBareOk(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || (value as { ok?: unknown }).ok !== true) return false;
  return keyCount(value) === 1;
}
