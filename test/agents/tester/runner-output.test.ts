import { describe, expect, it } from 'vitest';
import { readPytest } from '../../../src/agents/tester/pytest-output.js';
import { readRunnerOutput } from '../../../src/agents/tester/runner-output.js';
import { readTap } from '../../../src/agents/tester/tap-output.js';

describe('reading runner output', () => {
  it('reads nested TAP: leaves only, parents prefixed, escapes undone, SKIP and TODO not failing', () => {
    const tap = [
      'TAP version 13',
      '# Subtest: outer',
      '    # Subtest: inner',
      '        not ok 1 - deep \\# one',
      '        ok 2 - deep two # SKIP',
      '        1..2',
      '    not ok 1 - inner',
      '    not ok 2 - planned # TODO not yet',
      '    1..2',
      'not ok 1 - outer',
      'ok 2 - alone',
      '1..2',
    ].join('\n');
    expect(readTap(tap)).toEqual({
      passed: 1,
      failed: 1,
      skipped: 2,
      failing: ['outer > inner > deep # one'],
      parsed: true,
    });
    expect(readTap(`${tap}\n# pass 7\n# fail 3\n# cancelled 1\n# skipped 2\n# todo 1\n`)).toMatchObject({
      passed: 7,
      failed: 4,
      skipped: 3,
    });
  });

  it("reads pytest's final line and short summary", () => {
    const out = [
      'FAILED test_a.py::test_bad - assert 1 == 2',
      'ERROR test_b.py::test_setup - RuntimeError',
      '== 1 failed, 4 passed, 2 skipped, 1 xfailed, 1 error in 0.31s ==',
    ].join('\n');
    expect(readPytest(out)).toEqual({
      passed: 4,
      failed: 2,
      skipped: 3,
      failing: ['test_a.py::test_bad', 'test_b.py::test_setup'],
      parsed: true,
    });
  });

  it('reads npm test output best effort, and admits when it cannot', () => {
    expect(readRunnerOutput('npm', ' Tests  2 failed | 5 passed (7)\n FAIL  test/a.test.ts > adds\n')).toEqual({
      passed: 5,
      failed: 2,
      skipped: 0,
      failing: ['test/a.test.ts > adds'],
      parsed: true,
    });
    expect(readRunnerOutput('npm', 'something went wrong\n').parsed).toBe(false);
  });
});
