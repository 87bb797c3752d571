import { expect } from 'vitest';
import type { SwitchyardError } from '../../src/index.js';
import { AgentError } from '../../src/pool/agent.js';

/** The error `fn` throws (a test failure if it throws none). */
export function thrown(fn: () => unknown): SwitchyardError {
  try {
    fn();
  } catch (error) {
    return error as SwitchyardError;
  }
  throw new Error('expected it to throw');
}

/** The AgentError `promise` rejects with (a test failure if it resolves or rejects with anything else). */
export async function agentFailure(promise: Promise<unknown>): Promise<AgentError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentError);
  return error as AgentError;
}
