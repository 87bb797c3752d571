import { readPytest } from './pytest-output.js';
import { readTap } from './tap-output.js';
import { noCounts, type TestCounts } from './test-counts.js';

/** The runners the tester knows how to start and read. */
export type RunnerKind = 'node' | 'npm' | 'pytest';

/** vitest (` Tests  1 failed | 2 passed (3)`) and jest (`Tests:  1 failed, 2 passed, 3 total`) summary lines. */
const JS_SUMMARY = /^\s*Tests:?\s+(.*)$/mu;

function readJsSummary(output: string): TestCounts {
  const counts = noCounts();
  const lines = [...output.matchAll(new RegExp(JS_SUMMARY.source, 'gmu'))];
  const last = lines.at(-1);
  if (!last) return counts;
  for (const [, n, word] of last[1].matchAll(/(\d+) (failed|passed|skipped|todo)/gu)) {
    if (word === 'failed') counts.failed += Number(n);
    else if (word === 'passed') counts.passed += Number(n);
    else counts.skipped += Number(n);
  }
  counts.parsed = counts.failed + counts.passed + counts.skipped > 0;
  // vitest and jest mark failing tests with ✗/×/● lines; best effort: the `FAIL` lines of vitest.
  for (const [, name] of output.matchAll(/^\s*(?:FAIL|×|✗)\s+(.+?)\s*$/gmu))
    if (!counts.failing.includes(name)) counts.failing.push(name);
  return counts;
}

/**
 * Counts and failing names from a runner's output. `node` reads TAP; `pytest` its summary;
 * `npm` whatever the package's test script runs, best effort: TAP (node --test in a pipe prints
 * TAP), else pytest's summary, else a vitest or jest summary line, else nothing (`parsed: false`,
 * and only the exit code says green or red).
 */
export function readRunnerOutput(runner: RunnerKind, output: string): TestCounts {
  if (runner === 'node') return readTap(output);
  if (runner === 'pytest') return readPytest(output);
  for (const read of [readTap, readPytest, readJsSummary]) {
    const counts = read(output);
    if (counts.parsed) return counts;
  }
  return noCounts();
}
