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
 * The smallest of `runs` timings (ms) of the async `fn`, after one untimed warm-up call: the
 * same treatment for a subject and its baseline, so neither is measured while the JIT still
 * compiles it.
 */
export async function bestOfAsync(runs: number, fn: () => Promise<void>): Promise<number> {
  await fn();
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await fn();
    best = Math.min(best, performance.now() - start);
  }
  return best;
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
  const lines = table.map((line) => line.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  process.stdout.write(`\n## ${name}\n\n${lines.join('\n')}\n`);
  for (const [key, value] of Object.entries(extra)) process.stdout.write(`${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
  const dir = new URL('./results/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL(`${name}.json`, dir), `${JSON.stringify({ bench: name, node: process.version, at: new Date().toISOString(), rows, ...extra }, null, 2)}\n`);
}
