import { mkdirSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** One row of a bench table. */
export interface Row {
  readonly name: string;
  readonly [column: string]: string | number;
}

/** Runs `fn` and returns its result and how long it took in milliseconds. */
export function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

/**
 * Memory in use after full collections: the JS heap plus typed-array buffers, which live
 * outside it. Waits between collections so concurrent sweeping settles; right after a single
 * `gc()` the heap still counts pages about to be freed (needs `--expose-gc`).
 */
export async function memoryUsed(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; gc && i < 3; i++) {
    gc();
    await sleep(50);
  }
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

/** The smallest of `runs` timings of `fn` (after one warm-up when `warmup`). */
export function bestOf(runs: number, fn: () => void, warmup = true): number {
  if (warmup) fn();
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) best = Math.min(best, timed(fn).ms);
  return best;
}

/**
 * Times every subject once per round, in turn, after one untimed warm-up round: a round
 * measures all of them under the same machine conditions, so a ratio taken within a round —
 * and the median of those over the rounds — does not drift with the load of a shared machine
 * the way best-of-N per subject, measured seconds apart, does. Returns each subject's times (ms).
 */
export async function interleaved<K extends string>(
  rounds: number,
  subjects: Record<K, () => Promise<void>>,
): Promise<Record<K, number[]>> {
  const names = Object.keys(subjects) as K[];
  const times = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let round = -1; round < rounds; round++) {
    for (const name of names) {
      const start = performance.now();
      await subjects[name]();
      if (round >= 0) times[name].push(performance.now() - start);
    }
  }
  return times;
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Per round, `baseline / subject` (how the subject's speed compares): the median, and the range. */
export function pairedRatio(
  baseline: readonly number[],
  subject: readonly number[],
): { median: number; low: number; high: number } {
  const ratios = baseline.map((b, i) => b / subject[i]);
  return { median: median(ratios), low: Math.min(...ratios), high: Math.max(...ratios) };
}

/** A paired ratio as a table cell: `84.1% (71.0–92.3%)`. */
export function percentCell(r: { median: number; low: number; high: number }): string {
  return `${(r.median * 100).toFixed(1)}% (${(r.low * 100).toFixed(1)}–${(r.high * 100).toFixed(1)}%)`;
}

function cell(value: string | number): string {
  if (typeof value === 'string') return value;
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return value.toLocaleString('en-US', { maximumFractionDigits: 2 });
}

/** Prints rows as an aligned table and writes them, with `extra`, to `bench/results/<name>.json`. */
export function report(name: string, rows: readonly Row[], extra: Record<string, unknown> = {}): void {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const table = [columns, ...rows.map((r) => columns.map((c) => (r[c] === undefined ? '' : cell(r[c]))))];
  const widths = columns.map((_, i) => Math.max(...table.map((line) => line[i].length)));
  const lines = table.map((line) =>
    line.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '),
  );
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  process.stdout.write(`\n## ${name}\n\n${lines.join('\n')}\n`);
  for (const [key, value] of Object.entries(extra))
    process.stdout.write(`${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    new URL(`${name}.json`, dir),
    `${JSON.stringify({ bench: name, node: process.version, at: new Date().toISOString(), rows, ...extra }, null, 2)}\n`,
  );
}
