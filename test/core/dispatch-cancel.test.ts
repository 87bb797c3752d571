import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/core/compiled-plan.js';
import { DispatchCore, type DispatchRecord } from '../../src/core/dispatch-core.js';
import { resolveOptions } from '../../src/core/options.js';
import { S } from '../../src/machines/task-table.js';
import type { TaskSpecInput } from '../../src/index.js';
import { dagTasks, randomDag, task } from '../helpers/plans.js';

function coreOf(tasks: TaskSpecInput[], policy: 'strict' | 'dependency' = 'strict'): DispatchCore {
  const options = resolveOptions({ policy });
  if (!options.ok) throw options.error;
  const plan = compilePlan({ tasks: tasks as never, refs: [] }, options.value);
  if (!plan.ok) throw plan.error;
  const core = new DispatchCore(plan.value, options.value);
  core.now = 0;
  return core;
}

const ok = { ok: true as const, produced: [], summary: null };
const idOf = (core: DispatchCore, records: readonly DispatchRecord[]) => records.map((r) => core.plan.ids[r.task]);
const statusOf = (core: DispatchCore, id: string) => core.status[core.plan.index(id)!];

describe('DispatchCore.cancel', () => {
  it('fails an in-progress task with CANCELLED and skips its dependents, while an independent branch goes on', () => {
    const core = coreOf([task('a'), task('b', ['a']), task('c', ['b']), task('d')], 'dependency');
    core.begin();
    expect(idOf(core, core.drain())).toEqual(['a', 'd']);
    const a = core.plan.index('a')!;
    expect(core.cancelRefusal(a)).toBeUndefined();
    core.cancel(a, 'cancelled by the operator');
    expect(core.drain()).toEqual([]);
    expect(statusOf(core, 'a')).toBe(S.failed);
    expect(statusOf(core, 'b')).toBe(S.skipped);
    expect(statusOf(core, 'c')).toBe(S.skipped);
    const entry = core.failureLog.at(-1)!;
    expect(entry).toMatchObject({ task: a, code: 'CANCELLED', recoverable: false, retried: false, attempts: 1 });
    expect(entry.impact.map((v) => core.plan.ids[v]).sort()).toEqual(['b', 'c']);
    // A late result of the cancelled attempt changes nothing.
    expect(core.refusal(a, 1)?.code).toBe('STALE_RESULT');
    expect(core.runStatus).toBe('running');
    core.result(core.plan.index('d')!, ok);
    expect(core.runStatus).toBe('partial');
  });

  it('cancels a task that was never sent: it ends failed with no attempt, and the group barrier moves on', () => {
    const core = coreOf([task('a'), task('b', ['a']), task('c')]);
    core.begin();
    expect(idOf(core, core.drain()).sort()).toEqual(['a', 'c']);
    const b = core.plan.index('b')!;
    core.cancel(b, 'not needed');
    expect(core.status[b]).toBe(S.failed);
    expect(core.attempts[b]).toBe(0);
    core.result(core.plan.index('a')!, ok);
    core.result(core.plan.index('c')!, ok);
    expect(core.drain()).toEqual([]);
    expect(core.runStatus).toBe('partial');
  });

  it('refuses to cancel a task that has ended, or any task of a run that has ended (TASK_ENDED)', () => {
    const core = coreOf([task('a'), task('b')], 'dependency');
    core.begin();
    const a = core.plan.index('a')!;
    core.result(a, ok);
    expect(core.cancelRefusal(a)?.code).toBe('TASK_ENDED');
    core.result(core.plan.index('b')!, ok);
    expect(core.runStatus).toBe('complete');
    expect(core.cancelRefusal(core.plan.index('b')!)?.code).toBe('TASK_ENDED');
  });

  it('on any random DAG, cancelling any set of tasks at any point skips every dependent and ends the run consistently', () => {
    fc.assert(
      fc.property(randomDag(25), fc.array(fc.nat(), { minLength: 1, maxLength: 40 }), (dag, tape) => {
        const core = coreOf(dagTasks(dag), 'dependency');
        const { plan } = core;
        const cancelled = new Set<number>();
        const queue: DispatchRecord[] = [];
        core.begin();
        queue.push(...core.drain());
        for (let i = 0; core.runStatus === 'running'; i++) {
          expect(i).toBeLessThan(10_000);
          const pick = tape[i % tape.length] + i;
          const open = [...Array(plan.n).keys()].filter((v) => core.cancelRefusal(v) === undefined);
          if (pick % 3 === 0 && open.length > 0) {
            const v = open[pick % open.length];
            core.cancel(v, 'cancelled in a test');
            cancelled.add(v);
          } else {
            const record = queue.shift();
            expect(record).toBeDefined();
            if (core.refusal(record!.task, record!.attempt) === undefined) core.result(record!.task, ok);
          }
          const released = core.drain();
          for (const r of released) expect(cancelled.has(r.task)).toBe(false);
          queue.push(...released);
        }
        const dependents = new Set<number>();
        const work = [...cancelled];
        while (work.length > 0) {
          const u = work.pop()!;
          for (let k = plan.succs.start[u]; k < plan.succs.start[u + 1]; k++) {
            const w = plan.succs.list[k];
            if (dependents.has(w)) continue;
            dependents.add(w);
            work.push(w);
          }
        }
        for (let v = 0; v < plan.n; v++) {
          if (cancelled.has(v)) expect(core.status[v]).toBe(S.failed);
          else if (dependents.has(v)) expect(core.status[v]).toBe(S.skipped);
          else expect(core.status[v]).toBe(S.complete);
        }
        for (const v of cancelled)
          expect(core.failureLog.filter((f) => f.task === v).map((f) => f.code)).toEqual(['CANCELLED']);
        expect(core.runStatus).toBe(cancelled.size === 0 ? 'complete' : 'partial');
        expect(core.counts[S.in_progress]).toBe(0);
      }),
      { numRuns: 200 },
    );
  });
});

describe('DispatchCore.halt', () => {
  it('fails what is in progress with the deadline code, skips its dependents, sends nothing more and ends failed', () => {
    const core = coreOf([task('a'), task('b', ['a']), task('c'), task('d', ['c'])], 'dependency');
    core.begin();
    core.drain();
    core.result(core.plan.index('c')!, ok);
    expect(idOf(core, core.drain())).toEqual(['d']);
    core.result(core.plan.index('a')!, { ok: false, recoverable: true, code: 'TIMEOUT', message: 'slow' });
    expect(idOf(core, core.drain())).toEqual(['a']);
    core.halt('RUN_DEADLINE_EXCEEDED', 'The run passed its deadline.');
    expect(core.drain()).toEqual([]);
    expect(statusOf(core, 'a')).toBe(S.failed);
    expect(statusOf(core, 'd')).toBe(S.failed);
    expect(statusOf(core, 'b')).toBe(S.skipped);
    expect(core.runStatus).toBe('failed');
    expect(core.runError?.code).toBe('RUN_DEADLINE_EXCEEDED');
    expect(core.failureLog.filter((f) => !f.retried).map((f) => [core.plan.ids[f.task], f.code])).toEqual([
      ['a', 'RUN_DEADLINE_EXCEEDED'],
      ['d', 'RUN_DEADLINE_EXCEEDED'],
    ]);
    expect(core.refusal(core.plan.index('a')!, 2)?.code).toBe('STALE_RESULT');
  });

  it('leaves tasks that never went out where they were (waiting on the group barrier), and names them', () => {
    const core = coreOf(
      [task('a'), task('z', [], { execution_group: 2 }), task('b', ['a'], { execution_group: 2 })].map((t) => ({
        execution_group: 1,
        ...t,
      })),
    );
    core.begin();
    expect(idOf(core, core.drain())).toEqual(['a']);
    expect(statusOf(core, 'z')).toBe(S.ready);
    core.halt('RUN_DEADLINE_EXCEEDED', 'The run passed its deadline.');
    expect(core.drain()).toEqual([]);
    expect(statusOf(core, 'b')).toBe(S.skipped);
    expect(statusOf(core, 'z')).toBe(S.ready);
    expect(core.runError?.details).toEqual({ not_run: ['z'] });
  });
});
