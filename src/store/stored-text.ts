import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

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
  return brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 0, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } });
}

/** What {@link compressed} encoded. */
export function decompressed(data: Buffer): Buffer {
  return brotliDecompressSync(data);
}

/** The text a column value made by {@link storedText} holds. */
export function readStoredText(value: string | Buffer): string {
  return typeof value === 'string' ? value : decompressed(value).toString('utf8');
}
