import { noCounts, type TestCounts } from './test-counts.js';

/** pytest's last line: `==== 2 failed, 1 passed, 1 skipped in 0.12s ====` (`-q` drops the `=`). */
const FINAL = /^=*\s*((?:\d+ [a-z]+(?:, )?)+) in [\d.]+s\b/u;
/** `-rA` / `-rfE` short summary lines: `FAILED test_a.py::test_bad - assert 1 == 2`, `ERROR test_b.py`. */
const FAILED = /^(FAILED|ERROR) (\S+)/u;

/**
 * Reads pytest's output (run with `-rA`, the default here): counts from the final summary line
 * (`failed` and `error` both count as failed; `skipped`, `xfailed` as skipped; `passed` and
 * `xpassed` as passed), failing names (node ids) from the short test summary.
 */
export function readPytest(output: string): TestCounts {
  const counts = noCounts();
  const lines = output.split(/\r?\n/u);
  for (const line of lines) {
    const f = FAILED.exec(line);
    if (f && !counts.failing.includes(f[2])) counts.failing.push(f[2]);
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = FINAL.exec(lines[i].trim());
    if (!m) continue;
    for (const part of m[1].split(', ')) {
      const [n, word] = part.split(' ');
      const count = Number(n);
      if (word === 'failed' || word === 'error' || word === 'errors') counts.failed += count;
      else if (word === 'passed' || word === 'xpassed') counts.passed += count;
      else if (word === 'skipped' || word === 'xfailed' || word === 'deselected') counts.skipped += count;
    }
    counts.parsed = true;
    break;
  }
  return counts;
}
