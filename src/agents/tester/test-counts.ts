/** What a test runner's output says: the counts and the names of the failing tests. */
export interface TestCounts {
  passed: number;
  failed: number;
  skipped: number;
  /** Full names of the failing tests (a describe's name, ` > `, the test's), in the order reported. */
  failing: string[];
  /** Whether the counts came from the runner's own summary (else they are counted from test lines, or unknown: all 0). */
  parsed: boolean;
}

export const noCounts = (): TestCounts => ({ passed: 0, failed: 0, skipped: 0, failing: [], parsed: false });
