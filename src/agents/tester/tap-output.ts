import { noCounts, type TestCounts } from './test-counts.js';

/** A TAP test point: `ok 3 - name # SKIP`, `not ok 2 - name`, indented four spaces per level of nesting. */
const POINT = /^(\s*)(not ok|ok)\b\s*\d*\s*(?:-\s*)?(.*)$/u;
const SUMMARY = /^# (pass|fail|cancelled|skipped|todo) (\d+)\s*$/u;

/** Splits a test point's description from its directive (` # SKIP`, ` # TODO`), honouring TAP's `\#` escape. */
function description(text: string): { name: string; directive: string } {
  let name = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && i + 1 < text.length) {
      name += text[++i];
      continue;
    }
    if (c === '#' && (i === 0 || text[i - 1] === ' '))
      return { name: name.trim(), directive: text.slice(i + 1).trim() };
    name += c;
  }
  return { name: name.trim(), directive: '' };
}

interface Point {
  readonly depth: number;
  readonly name: string;
  readonly ok: boolean;
  readonly skip: boolean;
}

/**
 * Reads TAP (`node --test --test-reporter=tap`, TAP 13/14 with indented subtests): the
 * runner's `# pass` / `# fail` / `# skipped` summary when it prints one, else counts of the
 * leaf test points; failing names are the `not ok` leaves, prefixed by their parents' names
 * (a subtest's points come before its parent's, so a point is a parent when the one before it
 * is deeper).
 */
export function readTap(output: string): TestCounts {
  const points: Point[] = [];
  const summary = new Map<string, number>();
  for (const line of output.split(/\r?\n/u)) {
    const s = SUMMARY.exec(line);
    if (s) {
      summary.set(s[1], Number(s[2]));
      continue;
    }
    const m = POINT.exec(line);
    if (!m) continue;
    const { name, directive } = description(m[3]);
    const skip = /^(skip|todo)\b/iu.test(directive);
    points.push({ depth: Math.floor(m[1].replace(/\t/gu, '    ').length / 4), name, ok: m[2] === 'ok', skip });
  }
  const counts = noCounts();
  // Leaves waiting for their parents' names, deepest last.
  let pending: { depth: number; names: string[]; failing: boolean[] }[] = [];
  const leaves: { name: string; ok: boolean; skip: boolean }[] = [];
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    const parent = i > 0 && points[i - 1].depth > p.depth;
    if (!parent) {
      leaves.push({ name: p.name, ok: p.ok, skip: p.skip });
      pending.push({ depth: p.depth, names: [p.name], failing: [!p.ok && !p.skip] });
      continue;
    }
    // Prefix this parent's name onto every leaf below it.
    const below = pending.filter((x) => x.depth > p.depth);
    pending = pending.filter((x) => x.depth <= p.depth);
    const names = below.flatMap((x) => x.names.map((n) => `${p.name} > ${n}`));
    const failing = below.flatMap((x) => x.failing);
    pending.push({ depth: p.depth, names, failing });
  }
  for (const group of pending) group.names.forEach((n, i) => group.failing[i] && counts.failing.push(n));
  if (summary.has('pass') || summary.has('fail')) {
    counts.passed = summary.get('pass') ?? 0;
    counts.failed = (summary.get('fail') ?? 0) + (summary.get('cancelled') ?? 0);
    counts.skipped = (summary.get('skipped') ?? 0) + (summary.get('todo') ?? 0);
    counts.parsed = true;
  } else {
    counts.passed = leaves.filter((l) => l.ok && !l.skip).length;
    counts.failed = leaves.filter((l) => !l.ok && !l.skip).length;
    counts.skipped = leaves.filter((l) => l.skip).length;
    counts.parsed = leaves.length > 0;
  }
  return counts;
}
