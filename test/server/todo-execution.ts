import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { dispatch, type ExecutionResult, fileStorage } from '../../src/index.js';

const SPEC = fileURLToPath(new URL('../../examples/specs/todo-cli.md', import.meta.url));
const AGENTS = new URL('../fixtures/agents/usage-agents.mjs', import.meta.url);

/**
 * A real dispatch of examples/specs/todo-cli.md on worker threads: task_7 fails for good (so
 * four tasks are skipped) and task_3 fails once, recoverably, before it completes (a retry).
 */
export async function todoExecution(): Promise<ExecutionResult> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-report-'));
  try {
    return await dispatch(readFileSync(SPEC, 'utf8'), {
      agents: [AGENTS],
      artifacts: fileStorage({ root: dir }),
      faults: { task_7: { recoverable: false }, task_3: { recoverable: true, times: 1 } },
      logger: pino({ level: 'silent' }),
      runId: 'todo-report',
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
