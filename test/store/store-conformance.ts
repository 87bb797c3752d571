import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunStepMessage, StateStore } from '../../src/index.js';
import { thrown } from '../helpers/errors.js';

/** What an implementation under test provides. */
export interface StoreUnderTest {
  readonly store: StateStore;
  /** The same store opened again, as a new process would see it (durable stores only). */
  reopen?(): StateStore;
  cleanup?(): void;
}

const counts = (completed = 0, total = 3) => ({ total, completed, failed: 0, skipped: 0, in_progress: 0 });
const plan = { tasks: [{ id: 't1' }] };

/** A run's first step. */
export function firstStep(runId: string, extra: Partial<RunStepMessage> = {}): RunStepMessage {
  return {
    type: 'RunStep',
    run_id: runId,
    seq: 1,
    at: 10,
    events: [{ type: 'plan_accepted', total_tasks: 3 }],
    status: 'running',
    counts: counts(),
    accepted: {
      plan,
      options: { policy: 'strict', max_attempts: 3 },
      session_id: 's-1',
      runner: { agents: ['a.mjs'] },
    },
    ...extra,
  };
}

/** A later step of `events` events starting at `seq`. */
export function step(runId: string, seq: number, events: number, extra: Partial<RunStepMessage> = {}): RunStepMessage {
  return {
    type: 'RunStep',
    run_id: runId,
    seq,
    at: 10 + seq,
    events: Array.from({ length: events }, (_, i) => ({
      type: 'task_dispatched',
      task_id: `t${seq + i}`,
      attempt: 1,
      agent_id: 'a',
    })),
    status: 'running',
    counts: counts(seq),
    ...extra,
  };
}

const alive = { owner: 'a', pid: process.pid, host: 'here' };
const other = { owner: 'b', pid: process.pid, host: 'here' };

/**
 * The behaviour every {@link StateStore} must have. Run it against each implementation:
 * `describeStoreConformance('memory', () => ({ store: new MemoryStore() }))`.
 */
export function describeStoreConformance(name: string, create: () => StoreUnderTest, kind: { durable: boolean }): void {
  describe(`StateStore conformance: ${name}`, () => {
    let t: StoreUnderTest;
    beforeEach(() => {
      t = create();
    });
    afterEach(() => {
      t.store.close();
      t.cleanup?.();
    });

    it('creates a run from its first step and keeps what is needed to resume it', () => {
      t.store.recordStep(firstStep('r1'), 1000);
      const run = t.store.getRun('r1');
      expect(run).toMatchObject({
        run_id: 'r1',
        status: 'running',
        last_seq: 1,
        created_at: 1000,
        ended_at: null,
        plan,
        options: { policy: 'strict', max_attempts: 3 },
        session_id: 's-1',
        request_id: null,
        runner: { agents: ['a.mjs'] },
        result: null,
      });
      expect(t.store.getRun('nope')).toBeUndefined();
    });

    it('appends steps in order and hands back those after a sequence number', () => {
      t.store.recordStep(firstStep('r1'), 1000);
      t.store.recordStep(step('r1', 2, 3), 1001);
      t.store.recordStep(step('r1', 5, 1), 1002);
      expect(t.store.getRun('r1')?.last_seq).toBe(5);
      expect(t.store.stepsAfter('r1', 1).map((s) => [s.seq, s.events.length])).toEqual([
        [2, 3],
        [5, 1],
      ]);
      expect(t.store.stepsAfter('r1', 4).map((s) => s.seq)).toEqual([5]);
      expect(t.store.stepsAfter('r1', 0)[0].events).toEqual([{ type: 'plan_accepted', total_tasks: 3 }]);
      expect(t.store.getRun('r1')?.counts.completed).toBe(5);
    });

    it('refuses a second run under one id, a step for an unknown run, and any gap or repeat in the log', () => {
      t.store.recordStep(firstStep('r1'), 1000);
      expect(thrown(() => t.store.recordStep(firstStep('r1'), 1001)).code).toBe('RUN_EXISTS');
      expect(thrown(() => t.store.recordStep(step('ghost', 2, 1), 1001)).code).toBe('RUN_NOT_FOUND');
      expect(thrown(() => t.store.recordStep(step('r1', 3, 1), 1001)).code).toBe('LOG_GAP');
      expect(thrown(() => t.store.recordStep(step('r1', 1, 1), 1001)).code).toBe('LOG_GAP');
      expect(thrown(() => t.store.recordStep(firstStep('r2', { seq: 2 }), 1001)).code).toBe('LOG_GAP');
      // Nothing of a refused step was kept.
      expect(t.store.getRun('r1')?.last_seq).toBe(1);
      expect(t.store.getRun('r2')).toBeUndefined();
    });

    it('keeps the latest checkpoint and compacts the log behind the one before it', () => {
      t.store.recordStep(firstStep('r1'), 1000);
      t.store.recordStep(step('r1', 2, 2, { checkpoint: { n: 1 } }), 1000);
      expect(t.store.latestCheckpoint('r1')).toEqual({ seq: 3, state: { n: 1 } });
      t.store.recordStep(step('r1', 4, 2), 1000);
      t.store.recordStep(step('r1', 6, 2, { checkpoint: { n: 2 } }), 1000);
      expect(t.store.latestCheckpoint('r1')).toEqual({ seq: 7, state: { n: 2 } });
      // The log up to the older checkpoint (event 3) is gone; what follows it stays.
      expect(t.store.stepsAfter('r1', 0).map((s) => s.seq)).toEqual([4, 6]);
      t.store.recordStep(step('r1', 8, 1, { checkpoint: { n: 3 } }), 1000);
      expect(t.store.stepsAfter('r1', 0).map((s) => s.seq)).toEqual([8]);
      expect(t.store.stepsAfter('r1', 7).map((s) => s.seq)).toEqual([8]);
    });

    it('records the end of a run with its result, and lists runs newest first', () => {
      t.store.recordStep(firstStep('old'), 1000);
      t.store.recordStep(firstStep('new'), 2000);
      t.store.recordStep(
        step('old', 2, 1, { status: 'complete', result: { status: 'complete' }, checkpoint: {} }),
        3000,
      );
      const old = t.store.getRun('old');
      expect(old).toMatchObject({
        status: 'complete',
        ended_at: 3000,
        updated_at: 3000,
        result: { status: 'complete' },
      });
      expect(t.store.listRuns().map((r) => r.run_id)).toEqual(['new', 'old']);
    });

    it('reopens a cancelled run as running when it is resumed', () => {
      t.store.recordStep(firstStep('r1'), 1000);
      t.store.recordStep(step('r1', 2, 1, { status: 'cancelled', checkpoint: {} }), 2000);
      expect(t.store.getRun('r1')).toMatchObject({ status: 'cancelled', ended_at: 2000 });
      t.store.recordStep(step('r1', 3, 1), 3000);
      expect(t.store.getRun('r1')).toMatchObject({ status: 'running', ended_at: null });
    });

    it('gives a lease to one holder at a time, renews it, and lets it go', () => {
      t.store.acquireLease('r1', alive, 1000, 500, () => false);
      expect(t.store.getLease('r1')).toMatchObject({ run_id: 'r1', owner: 'a', expires_at: 1500 });
      const refused = thrown(() => t.store.acquireLease('r1', other, 1200, 500, () => false));
      expect(refused.code).toBe('RUN_LOCKED');
      expect(refused.message).toContain(`process ${process.pid}`);
      t.store.acquireLease('r1', alive, 1400, 500, () => false);
      expect(t.store.getLease('r1')?.expires_at).toBe(1900);
      // A lapsed lease, or one whose holder is known to be gone, can be taken over.
      t.store.acquireLease('r1', other, 1901, 500, () => false);
      expect(t.store.getLease('r1')?.owner).toBe('b');
      t.store.acquireLease('r1', alive, 2000, 500, (lease) => lease.owner === 'b');
      expect(t.store.getLease('r1')?.owner).toBe('a');
      t.store.releaseLease('r1', 'b');
      expect(t.store.getLease('r1')?.owner).toBe('a');
      t.store.releaseLease('r1', 'a');
      expect(t.store.getLease('r1')).toBeUndefined();
    });

    it('prunes runs that ended before a time, with their logs, and keeps the rest', () => {
      t.store.recordStep(firstStep('done'), 1000);
      t.store.recordStep(step('done', 2, 1, { status: 'complete', checkpoint: {} }), 2000);
      t.store.recordStep(firstStep('recent'), 1000);
      t.store.recordStep(step('recent', 2, 1, { status: 'partial', checkpoint: {} }), 5000);
      t.store.recordStep(firstStep('running'), 1000);
      expect(t.store.prune(3000)).toEqual(['done']);
      expect(t.store.getRun('done')).toBeUndefined();
      expect(t.store.stepsAfter('done', 0)).toEqual([]);
      expect(t.store.latestCheckpoint('done')).toBeUndefined();
      expect(
        t.store
          .listRuns()
          .map((r) => r.run_id)
          .sort(),
      ).toEqual(['recent', 'running']);
    });

    it('keeps runtime events in order', () => {
      t.store.recordRuntimeEvent({
        at: 1,
        type: 'AgentRuntimeRegistered',
        runtime_id: 'rt-1',
        workflow_id: null,
        data: { a: 1 },
      });
      t.store.recordRuntimeEvent({
        at: 2,
        type: 'AgentDispatchFailed',
        runtime_id: null,
        workflow_id: 'r1',
        data: { b: 2 },
      });
      const events = t.store.runtimeEvents(10);
      expect(events.map((e) => [e.type, e.runtime_id, e.workflow_id, e.data])).toEqual([
        ['AgentRuntimeRegistered', 'rt-1', null, { a: 1 }],
        ['AgentDispatchFailed', null, 'r1', { b: 2 }],
      ]);
      expect(events[0].id).toBeLessThan(events[1].id);
      expect(t.store.runtimeEvents(1).map((e) => e.type)).toEqual(['AgentDispatchFailed']);
    });

    it('refuses to be used once closed', () => {
      t.store.close();
      expect(thrown(() => t.store.listRuns()).code).toBe('CLOSED');
    });

    it.runIf(kind.durable)('keeps everything across a reopen', () => {
      if (!t.reopen) throw new Error('a durable store under test must say how to reopen it');
      t.store.recordStep(firstStep('r1'), 1000);
      t.store.recordStep(step('r1', 2, 2, { checkpoint: { n: 1 } }), 1001);
      t.store.acquireLease('r1', alive, 1000, 500, () => false);
      t.store.close();
      const again = t.reopen();
      try {
        expect(again.getRun('r1')?.last_seq).toBe(3);
        expect(again.latestCheckpoint('r1')).toEqual({ seq: 3, state: { n: 1 } });
        expect(again.getLease('r1')?.owner).toBe('a');
      } finally {
        again.close();
      }
    });
  });
}
