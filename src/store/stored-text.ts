import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * Texts at least this long are stored deflated. Below it, compressing costs more than the bytes
 * it saves (zlib sets up a fresh stream each call), and a short text stays readable in the file.
 */
export const DEFLATE_FROM = 2048;

/**
 * How a large JSON text (a plan, a log row, a checkpoint) is kept in a SQLite column: as the
 * text itself when short, else as a BLOB of its raw deflate (RFC 1951, level 1: fast, and JSON
 * this regular shrinks ten-fold or more). The column's value type says which, so rows written
 * either way, or before this existed, read back alike.
 */
export function storedText(text: string): string | Buffer {
  return text.length < DEFLATE_FROM ? text : deflateRawSync(text, { level: 1 });
}

/** The text a column value made by {@link storedText} holds. */
export function readStoredText(value: string | Buffer): string {
  return typeof value === 'string' ? value : inflateRawSync(value).toString('utf8');
}
