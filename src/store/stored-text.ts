import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';
import { ByteReader, MAX_UINT_BYTES, putUint } from './binary-layout.js';

/**
 * Texts at least this long are stored compressed. Below it, compressing costs more than the
 * bytes it saves (a fresh encoder each call), and a short text stays readable in the file.
 */
export const COMPRESS_FROM = 2048;

/**
 * How a large JSON text (a plan, a checkpoint, a result; a log row before schema 4) is kept in a SQLite column:
 * as the text itself when short, else as a BLOB of its Brotli encoding (RFC 7932) at quality 0
 * — the fastest setting: it shrinks JSON this regular ten-fold, in about half the time of
 * deflate's fastest level. The column's value type says which, so rows written either way, or
 * before this existed, read back alike.
 */
export function storedText(text: string): string | Buffer {
  return text.length < COMPRESS_FROM ? text : compressed(text);
}

/** `data` Brotli-encoded at quality 0 (see {@link storedText}). */
export function compressed(data: string | Buffer): Buffer {
  return brotliCompressSync(data, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 0, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
  });
}

/** What {@link compressed} encoded. */
export function decompressed(data: Buffer): Buffer {
  return brotliDecompressSync(data);
}

/** The text a column value made by {@link storedText} holds. */
export function readStoredText(value: string | Buffer): string {
  return typeof value === 'string' ? value : decompressed(value).toString('utf8');
}

/**
 * Values compressed in parts ({@link compressed} each), kept as one: a varint count, then each
 * part's byte length and bytes. A large plan is stored so: its parts are compressed on the
 * writer thread while the rest of it is still being encoded.
 */
export function joinFrames(frames: readonly Uint8Array[]): Buffer {
  let bytes = MAX_UINT_BYTES;
  for (const f of frames) bytes += MAX_UINT_BYTES + f.length;
  const out = Buffer.allocUnsafe(bytes);
  let pos = putUint(out, 0, frames.length);
  for (const f of frames) {
    pos = putUint(out, pos, f.length);
    out.set(f, pos);
    pos += f.length;
  }
  return out.subarray(0, pos);
}

/** The parts {@link joinFrames} joined, each decompressed, end to end; throws on a value of another shape. */
export function decompressedFrames(data: Buffer): Buffer {
  const r = new ByteReader(data, 0, data.length, 'a stored value');
  const count = r.uint();
  if (count > data.length) throw r.truncated();
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const length = r.uint();
    if (r.pos + length > r.end) throw r.truncated();
    parts.push(decompressed(data.subarray(r.pos, r.pos + length)));
    r.pos += length;
  }
  if (r.pos !== r.end) throw new Error('a stored value with bytes after its end');
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}
