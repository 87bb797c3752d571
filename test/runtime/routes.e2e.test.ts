import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createRuntime, MemoryStore, type Runtime } from '../../src/index.js';
import { task, workflow } from '../helpers/plans.js';

const CUSTOM_AGENTS = new URL('../fixtures/agents/custom-route-agents.ts', import.meta.url);
const quiet = pino({ level: 'silent' });

/** A routing table outside seed 003's namespace: code to code_writer, tests to tester. */
const routes = [
  { prefix: 'CODE-', agent: 'code_writer', reason: '{capability} writes code' },
  { prefix: 'TEST-', agent: 'tester', reason: '{capability} runs the tests' },
];

const plan = workflow([
  task('write', [], { capability_ids: ['CODE-PY-001'] }),
  task('check', ['write'], { capability_ids: ['TEST-UNIT-001'] }),
]);

let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.close({ cancel: true });
  rt = undefined;
});

describe('createRuntime({ routes })', () => {
  it('routes any capability namespace to any agent name, on real worker threads', async () => {
    rt = await createRuntime({ agents: [CUSTOM_AGENTS], routes, pool: { maxThreads: 1 }, logger: quiet });
    const run = rt.submit(plan);
    const agents: string[] = [];
    run.on('dispatch', (m) => agents.push(`${m.output.content.dispatch.task_id}→${m.next_agent?.name}`));
    const result = await run.result;
    expect(result.status).toBe('complete');
    expect(agents).toEqual(['write→code_writer', 'check→tester']);
    expect(result.task_results.check).toEqual({ status: 'complete', attempts: 1 });
  });

  it("keeps seed 003's table by default: such a plan is refused, naming the capability no rule serves", async () => {
    rt = await createRuntime({ agents: [CUSTOM_AGENTS], pool: { maxThreads: 1 }, logger: quiet });
    expect(() => rt!.submit(plan)).toThrow(expect.objectContaining({ code: 'VALIDATION_ERROR' }));
  });

  it('refuses a plan whose routed agent no runtime hosts, listing the tasks, unless the check is off', async () => {
    rt = await createRuntime({
      agents: [CUSTOM_AGENTS],
      routes: [...routes, { prefix: 'DOC-', agent: 'doc_writer', reason: '{capability} writes docs' }],
      pool: { maxThreads: 1 },
      logger: quiet,
    });
    const withDocs = workflow([
      task('write', [], { capability_ids: ['CODE-PY-001'] }),
      task('docs', ['write'], { capability_ids: ['DOC-API-001'] }),
    ]);
    expect(() => rt!.submit(withDocs)).toThrow(
      expect.objectContaining({
        code: 'CAPABILITY_NOT_AVAILABLE',
        details: { tasks: [{ task_id: 'docs', agent: 'doc_writer', capabilities: ['DOC-API-001'] }] },
      }),
    );
    const result = await rt.submit(withDocs, { checkCapabilities: false }).result;
    expect(result.task_results.write.status).toBe('complete');
    expect(result.task_results.docs).toEqual({ status: 'failed', attempts: 1 });
  });

  it('records the routes with the run, so a resume routes the same way', async () => {
    const store = new MemoryStore();
    rt = await createRuntime({ agents: [CUSTOM_AGENTS], routes, store, pool: { maxThreads: 1 }, logger: quiet });
    await rt.submit(plan, { runId: 'routed' }).result;
    expect(store.getRun('routed')?.options.routes).toEqual(routes);
  });

  it('refuses a malformed routing table with INVALID_INPUT naming the field', async () => {
    await expect(
      createRuntime({
        agents: [CUSTOM_AGENTS],
        routes: [{ prefix: 'X-', agent: 'bad.name', reason: '' }],
        logger: quiet,
      }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/routes/u) });
    await expect(createRuntime({ agents: [CUSTOM_AGENTS], routes: [], logger: quiet })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});
