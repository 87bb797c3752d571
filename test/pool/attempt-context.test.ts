import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AttemptContext, type ContextHost } from '../../src/pool/attempt-context.js';
import { LazyAbort } from '../../src/pool/lazy-abort.js';

const request = {
  request_id: 'run-1_task_2_1',
  workflow_id: 'run-1',
  dispatch: {
    task_id: 'task_2',
    action: 'do',
    capability_ids: ['CAP-PRE-001'],
    input_refs_resolved: [{ ref_id: 'src_1', storage_uri: 'file:///in', status: 'reference' as const }],
    output_refs_expected: [],
    execution_group: 1,
    attempt: 2,
    workflow_progress: { total_tasks: 3, completed: 1, in_progress: 1, pending: 1, failed: 0 },
  },
};

function setup() {
  const sent: Array<[string, unknown]> = [];
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const host: ContextHost = { logger, progress: (id, update) => sent.push([id, update]) };
  const abort = new LazyAbort();
  return { sent, lines, abort, ctx: new AttemptContext(host, abort, request, 'execution_agent') };
}

describe('AttemptContext', () => {
  it('carries the attempt and sends progress under its request id, also when destructured', () => {
    const { sent, ctx } = setup();
    expect({ inputs: ctx.inputs, taskId: ctx.taskId, attempt: ctx.attempt, workflowId: ctx.workflowId }).toEqual({
      inputs: request.dispatch.input_refs_resolved,
      taskId: 'task_2',
      attempt: 2,
      workflowId: 'run-1',
    });
    ctx.progress({ percent: 10 });
    const { progress } = ctx;
    progress({ message: 'half way' });
    expect(sent).toEqual([
      ['run-1_task_2_1', { percent: 10 }],
      ['run-1_task_2_1', { message: 'half way' }],
    ]);
    expect(ctx.progress).toBe(progress);
  });

  it('logs through one child logger bound to the task, attempt and agent', () => {
    const { lines, ctx } = setup();
    expect(ctx.logger).toBe(ctx.logger);
    ctx.logger.info('working');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ task_id: 'task_2', attempt: 2, agent: 'execution_agent', msg: 'working' });
  });

  it('gives a signal that is aborted with the reason, whether asked for before or after', () => {
    const before = setup();
    const early = before.ctx.signal;
    expect(early.aborted).toBe(false);
    before.abort.abort('cancelled by the dispatcher');
    expect(early.aborted).toBe(true);
    expect(early.reason).toBe('cancelled by the dispatcher');
    const after = setup();
    after.abort.abort('timeout');
    expect(after.ctx.signal.aborted).toBe(true);
    expect(after.ctx.signal.reason).toBe('timeout');
  });
});
