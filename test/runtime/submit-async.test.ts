import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePlan, compilePlanSteps } from '../../src/core/compiled-plan.js';
import { resolveOptions } from '../../src/core/options.js';
import { readPlan } from '../../src/graph/plan-input.js';
import { PAUSE_EVERY } from '../../src/graph/steps.js';
import { createRuntime, type Runtime, subjects } from '../../src/index.js';
import { runSliced } from '../../src/runtime/sliced.js';
import { thrown } from '../helpers/errors.js';
import { largePlan } from '../helpers/large-plan.js';
import { task, workflow } from '../helpers/plans.js';

const options = () => {
  const resolved = resolveOptions({});
  if (!resolved.ok) throw resolved.error;
  return resolved.value;
};
const bytes = (view: ArrayBufferView) => Buffer.from(view.buffer, view.byteOffset, view.byteLength);
const inputOf = (plan: unknown) => {
  const input = readPlan(plan);
  if (!input.ok) throw input.error;
  return input.value;
};

describe('compiling a plan in slices', () => {
  const n = 20_000;
  const input = inputOf(largePlan(n));

  it('pauses at least once every PAUSE_EVERY tasks of each pass over them', () => {
    const steps = compilePlanSteps(input, options());
    let pauses = 0;
    while (!steps.next().done) pauses++;
    // Tasks are indexed, linked, grouped, routed and their refs listed twice: six passes at the least.
    expect(pauses).toBeGreaterThanOrEqual(6 * Math.floor(n / PAUSE_EVERY));
  });

  it('gives back the event loop between slices and builds the same plan as compilePlan', async () => {
    let turns = 0;
    let ticking = true;
    const tick = () => {
      turns++;
      if (ticking) setImmediate(tick);
    };
    setImmediate(tick);
    const sliced = await runSliced(compilePlanSteps(input, options()), 0);
    ticking = false;
    const whole = compilePlan(input, options());
    if (!sliced.ok || !whole.ok) throw new Error('the plan did not compile');
    expect(turns).toBeGreaterThanOrEqual(Math.floor(n / PAUSE_EVERY));
    const [a, b] = [sliced.value, whole.value];
    for (const key of ['preds', 'succs', 'groupTasks', 'inputs', 'outputs', 'readers', 'producers'] as const) {
      expect(bytes(a[key].start).equals(bytes(b[key].start)), key).toBe(true);
      expect(bytes(a[key].list).equals(bytes(b[key].list)), key).toBe(true);
    }
    for (const key of ['group', 'groupOrd', 'groupNumbers', 'route', 'fusion', 'refStatus0'] as const)
      expect(bytes(a[key]).equals(bytes(b[key])), key).toBe(true);
    for (const key of ['ids', 'refIds', 'routeCapability', 'refKind', 'refUri0'] as const)
      expect(a[key].join('\n'), key).toBe(b[key].join('\n'));
    expect(a.index('task_777')).toBe(b.index('task_777'));
  });
});

describe('Runtime.submitAsync', () => {
  let rt: Runtime;
  beforeAll(async () => {
    // A coordinator without local workers, and one runtime that takes attempts and never answers: runs stay in progress.
    rt = await createRuntime({ agents: [], pool: { maxThreads: 0 }, logger: pino({ level: 'silent' }) });
    const s = subjects();
    rt.bus.publish(s.registered('silent'), {
      type: 'AgentRuntimeRegistered',
      runtime_id: 'silent',
      agents: [{ agent_id: 'execution_agent', capabilities: ['CAP-PRE-*'] }],
      capacity: 1000,
      subjects: [s.execute('silent')],
      at: new Date().toISOString(),
    });
    await rt.waitForRuntimes(1);
  });
  afterAll(async () => {
    await rt.close({ cancel: true });
  });

  it('rejects with the code submit throws: a cycle, an unknown dependency, an empty workflow, a bad run id', async () => {
    const cycle = workflow([task('a', ['b']), task('b', ['a'])]);
    const unknown = workflow([task('a', ['nope'])]);
    const cases: Array<[unknown, { runId?: string }]> = [
      [cycle, {}],
      [unknown, {}],
      [{ tasks: {} }, {}],
      [workflow([task('a')]), { runId: 'bad.id' }],
    ];
    const codes: string[] = [];
    for (const [plan, submitOptions] of cases) {
      const { code } = thrown(() => rt.submit(plan, submitOptions));
      codes.push(code);
      await expect(rt.submitAsync(plan, submitOptions)).rejects.toMatchObject({ code });
    }
    expect(codes).toEqual(['PROCESSING_ERROR', 'VALIDATION_ERROR', 'INVALID_INPUT', 'INVALID_ID']);
    expect(rt.active()).toEqual([]);
  });

  it('refuses a run id taken while its plan was being built', async () => {
    const pending = rt.submitAsync(largePlan(5000), { runId: 'taken' });
    const first = rt.submit(workflow([task('a')]), { runId: 'taken' });
    await expect(pending).rejects.toMatchObject({ code: 'RUN_EXISTS' });
    first.cancel();
    await expect(first.result).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('rejects CLOSED when the runtime closes while the plan is being built, and starts nothing', async () => {
    const other = await createRuntime({ agents: [], pool: { maxThreads: 0 }, logger: pino({ level: 'silent' }) });
    const pending = other.submitAsync(largePlan(5000));
    await other.close();
    await expect(pending).rejects.toMatchObject({ code: 'CLOSED' });
    expect(other.active()).toEqual([]);
  });

  it('resolves with the started run', async () => {
    const run = await rt.submitAsync(largePlan(3000), { runId: 'built-in-slices' });
    expect(run.id).toBe('built-in-slices');
    expect(rt.active()).toContain(run);
    expect(Object.keys(run.state().task_states)).toHaveLength(3000);
    run.cancel();
    await expect(run.result).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
