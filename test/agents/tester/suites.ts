import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Real test suites, written into temporary directories, for the tester agent to run. */

const made: string[] = [];

function suiteDir(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-tester-'));
  made.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Two passing tests, one skipped. */
export const greenNodeSuite = () =>
  suiteDir({
    'math.test.mjs': `import { test } from 'node:test';
import assert from 'node:assert/strict';
test('adds', () => assert.equal(1 + 1, 2));
test('multiplies', () => assert.equal(2 * 3, 6));
test.skip('later', () => {});
`,
  });

/** Code but no test file: \`node --test\` finds nothing and exits 0. */
export const emptySuite = () => suiteDir({ 'add.mjs': 'export const add = (a, b) => a + b;\n' });

/** One pass, two failures: one top-level (with a `#` in its name), one inside a describe. */
export const redNodeSuite = () =>
  suiteDir({
    'math.test.mjs': `import { describe, it, test } from 'node:test';
import assert from 'node:assert/strict';
test('adds', () => assert.equal(1 + 1, 2));
test('subtracts # badly', () => assert.equal(3 - 1, 1));
describe('division', () => {
  it('divides', () => assert.equal(6 / 3, 2));
  it('by zero throws', () => assert.throws(() => 1 / 0));
});
`,
  });

/**
 * A test that never ends, and starts a grandchild that never ends either; both pids go into
 * `pids.txt` (the leader's pid is node --test's own child) before it hangs.
 */
export const hangingNodeSuite = () => {
  const dir = suiteDir({});
  writeFileSync(
    join(dir, 'hang.test.mjs'),
    `import { test } from 'node:test';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
test('hangs', async () => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  writeFileSync(${JSON.stringify(join(dir, 'pids.tmp'))}, process.pid + ' ' + child.pid);
  (await import('node:fs')).renameSync(${JSON.stringify(join(dir, 'pids.tmp'))}, ${JSON.stringify(join(dir, 'pids.txt'))});
  await new Promise(() => setInterval(() => {}, 1000));
});
`,
  );
  return dir;
};

export const pytestSuite = (red: boolean) =>
  suiteDir({
    'test_calc.py': `import pytest
def test_adds():
    assert 1 + 1 == 2
def test_subtracts():
    assert 3 - 1 == ${red ? 1 : 2}
class TestDivision:
    def test_by_zero(self):
        ${red ? 'assert 1 / 1 == 0' : 'assert 1 / 1 == 1'}
@pytest.mark.skip(reason="later")
def test_later():
    pass
`,
  });

/** A package whose `npm test` runs node --test. */
export const npmSuite = () => {
  const dir = redNodeSuite();
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'suite', private: true, scripts: { test: 'node --test' } }),
  );
  return dir;
};

/** The pids a hanging suite wrote, or none yet. */
export function pidsOf(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'pids.txt'), 'utf8').trim().split(' ').map(Number);
  } catch {
    return [];
  }
}

/** Whether a process still runs (a zombie waiting for a parent that does not reap counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/su.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Kills what hanging suites left (after a test that failed) and removes every suite directory. */
export function cleanSuites(): void {
  for (const dir of made.splice(0)) {
    for (const pid of pidsOf(dir))
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone already
      }
    rmSync(dir, { recursive: true, force: true });
  }
}
