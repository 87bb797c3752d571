import { readFileSync } from 'node:fs';

/**
 * Whether process `pid` still runs. A zombie counts as gone: a child of a worker thread that
 * died is never reaped (the thread's event loop, which would have, is gone), so it stays in the
 * process table, dead, until this process exits.
 */
export function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/su.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** SIGKILLs `pid` (its group when `group`) if it is still there; for cleanup after a test, also one that failed. */
export function killQuietly(pid: number, group = false): void {
  try {
    process.kill(group ? -pid : pid, 'SIGKILL');
  } catch {
    // gone already
  }
}
