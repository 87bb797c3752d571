import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { AgentError } from '../../src/pool/agent.js';
import { AttemptContext, type ContextHost, withWrittenRefs } from '../../src/pool/attempt-context.js';
import { LazyAbort } from '../../src/pool/lazy-abort.js';
import { ErrorCodes, SwitchyardError } from '../../src/protocol/errors.js';
import type { ArtifactStorage } from '../../src/storage/artifact-storage.js';
import { memoryStorage } from '../../src/storage/memory-storage.js';

const request = {
  request_id: 'run-1_task_2_1',
  workflow_id: 'run-1',
  dispatch: {
    task_id: 'task_2',
    action: 'do',
    capability_ids: ['CAP-PRE-001'],
    input_refs_resolved: [
      { ref_id: 'src_1', storage_uri: 'file:///in', status: 'reference' as const },
      { ref_id: 'derived_1', storage_uri: 'memory:run-1/derived_1', status: 'created' as const },
      { ref_id: 'derived_2', storage_uri: null, status: 'pending' as const },
    ],
    output_refs_expected: ['derived_3', 'store_4'],
    execution_group: 1,
    attempt: 2,
    workflow_progress: { total_tasks: 3, completed: 1, in_progress: 1, pending: 1, failed: 0 },
  },
};

function setup(storage: ArtifactStorage = memoryStorage()) {
  const sent: Array<[string, unknown]> = [];
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const host: ContextHost = { logger, progress: (id, update) => sent.push([id, update]), storage };
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

  it('reads an input ref through the storage, as bytes and as text', async () => {
    const storage = memoryStorage();
    await storage.write('run-1', 'derived_1', 'hé');
    const { ctx } = setup(storage);
    expect(await ctx.read('derived_1')).toEqual(new TextEncoder().encode('hé'));
    expect(await ctx.readText('derived_1')).toBe('hé');
  });

  it('refuses to read a ref that is not an input (VALIDATION_ERROR) or has no URI (ARTIFACT_NOT_FOUND), not recoverable', async () => {
    const { ctx } = setup();
    for (const [ref, code] of [
      ['derived_3', 'VALIDATION_ERROR'],
      ['derived_2', 'ARTIFACT_NOT_FOUND'],
      ['derived_1', 'ARTIFACT_NOT_FOUND'],
      ['src_1', 'ARTIFACT_NOT_FOUND'],
    ] as const) {
      const error = await ctx.read(ref).catch((e: unknown) => e);
      expect(error, ref).toBeInstanceOf(AgentError);
      expect(error, ref).toMatchObject({ code, recoverable: false });
    }
  });

  it('keeps a storage failure recoverable only when it is transient (STORAGE_FAILED)', async () => {
    const failing = (code: 'STORAGE_FAILED' | 'ARTIFACT_INACCESSIBLE'): ArtifactStorage => ({
      write: () => Promise.reject(new SwitchyardError(ErrorCodes[code], 'disk says no')),
      read: () => Promise.reject(new SwitchyardError(ErrorCodes[code], 'disk says no')),
      list: () => Promise.resolve(new Map()),
    });
    for (const [code, recoverable] of [
      ['STORAGE_FAILED', true],
      ['ARTIFACT_INACCESSIBLE', false],
    ] as const) {
      const { ctx } = setup(failing(code));
      await expect(ctx.write('derived_3', 'x')).rejects.toMatchObject({ code, recoverable });
      await expect(ctx.read('derived_1')).rejects.toMatchObject({ code, recoverable });
      expect(ctx.written).toBeUndefined();
    }
  });

  it('writes an output ref into the run, resolves with its URI, and records it once, the last write winning', async () => {
    const storage = memoryStorage();
    const { ctx } = setup(storage);
    expect(ctx.written).toBeUndefined();
    const uri = await ctx.write('derived_3', 'first');
    expect(await ctx.write('derived_3', 'second', { assetType: 'text' })).toBe(uri);
    await ctx.write('store_4', new Uint8Array([1]));
    expect(new TextDecoder().decode(await storage.read(uri))).toBe('second');
    expect(ctx.written).toEqual([
      { ref_id: 'derived_3', storage_uri: uri, asset_type: 'text' },
      { ref_id: 'store_4', storage_uri: 'memory:run-1/store_4' },
    ]);
    expect(await storage.list('run-1')).toEqual(
      new Map([
        ['derived_3', uri],
        ['store_4', 'memory:run-1/store_4'],
      ]),
    );
  });

  it('refuses to write a ref the dispatch does not expect (VALIDATION_ERROR, not recoverable), writing nothing', async () => {
    const storage = memoryStorage();
    const { ctx } = setup(storage);
    for (const ref of ['derived_1', 'src_1', '../x'])
      await expect(ctx.write(ref, 'x')).rejects.toMatchObject({ code: 'VALIDATION_ERROR', recoverable: false });
    expect((await storage.list('run-1')).size).toBe(0);
  });
});

describe('withWrittenRefs', () => {
  const written = [
    { ref_id: 'derived_3', storage_uri: 'memory:run-1/derived_3' },
    { ref_id: 'store_4', storage_uri: 'memory:run-1/store_4' },
  ];

  it('adds the written refs the handler did not return itself, its own entry winning', () => {
    const own = { ref_id: 'store_4', storage_uri: 'file:///elsewhere' };
    expect(withWrittenRefs({ summary: 's', output_refs_produced: [own] }, written)).toEqual({
      summary: 's',
      output_refs_produced: [own, written[0]],
    });
    expect(withWrittenRefs({}, written)).toEqual({ output_refs_produced: written });
  });

  it('gives the output back as it was when nothing was written or all was returned', () => {
    const output = { output_refs_produced: [...written] };
    expect(withWrittenRefs(output, undefined)).toBe(output);
    expect(withWrittenRefs(output, written)).toBe(output);
  });
});
