import type { SwitchyardError } from '../../src/index.js';

/** The error `fn` throws (a test failure if it throws none). */
export function thrown(fn: () => unknown): SwitchyardError {
  try {
    fn();
  } catch (error) {
    return error as SwitchyardError;
  }
  throw new Error('expected it to throw');
}
