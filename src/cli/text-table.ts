/**
 * A plain-text table: a header, a rule, and the rows, columns two spaces apart. Cells longer
 * than their column's limit (`max`, by index; default 40) are cut with an ellipsis.
 */
export function textTable(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  max: Readonly<Record<number, number>> = {},
): string {
  const limit = (i: number) => max[i] ?? 40;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => Math.min((r[i] ?? '').length, limit(i)))));
  const line = (r: readonly string[]) =>
    r
      .map((c, i) => (c.length > widths[i] ? `${c.slice(0, widths[i] - 1)}…` : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Epoch milliseconds as `2026-11-21 07:30:12` (UTC), or `-`. */
export function clockTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '-';
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}
