import fc from 'fast-check';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { StateManager } from '../../src/actors/state-manager.js';
import { InProcessBus } from '../../src/bus/in-process-bus.js';
import { DispatchCore, type DispatchRecord, type Outcome } from '../../src/core/dispatch-core.js';
import { planBlock, type RunMeta, snapshot } from '../../src/core/state-codec.js';
import { SimulatedScheduler } from '../../src/core/scheduler.js';
import { S } from '../../src/machines/task-table.js';
import { subjects as subjectBuilders } from '../../src/protocol/subjects.js';
import { eventHooks } from '../../src/journal/event-hooks.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { compileRecorded, rebuild, rebuiltState, recordOutcome } from '../../src/journal/replay.js';
import { type RunEvent, type RunStepMessage, type StoredStep } from '../../src/protocol/run-events.js';
import { RunJournal } from '../../src/journal/run-journal.js';
import { planOf, randomDag } from '../helpers/plans.js';

const INPUTS = new Set(['run_started', 'result_received', 'run_resumed']);
const silent = pino({ level: 'silent' });

/**
 * Drives a random run through the real journal, bus, state manager and memory store — each
 * step one or two results, outcomes and order from the tape, stopping early where the tape
 * says (a crash) — and returns the live core's state, the store, and every step published.
 */
async function recordedRun(
  plan: unknown,
  policy: 'strict' | 'dependency',
  tape: readonly number[],
  checkpointEvery: number,
  stopAfter: number,
) {
  let t = 0;
  const next = (n: number) => ((tape.length === 0 ? 0 : tape[t % tape.length]) + t++) % n;
  const bus = new InProcessBus();
  const subjects = subjectBuilders();
  const store = new MemoryStore();
  // Simulated time: lease renewal never fires on its own while the tape plays.
  const time = new SimulatedScheduler(1_700_000_000_000);
  const clock = () => time.now();
  const manager = new StateManager({ bus, subjects, store, logger: silent, scheduler: time });
  manager.claim('r');
  const published: StoredStep[] = [];
  bus.subscribe(
    subjects.patterns.runSteps(),
    (m) =>
      void published.push({ seq: (m.data as RunStepMessage).seq, at: 0, events: (m.data as RunStepMessage).events }),
  );
  const record = {
    run_id: 'r',
    plan,
    options: { policy, max_attempts: 2 },
    session_id: null,
    request_id: null,
  } as const;
  const compiled = compileRecorded({
    ...record,
    status: 'running',
    counts: { total: 0, completed: 0, failed: 0, skipped: 0, in_progress: 0 },
    created_at: 0,
    updated_at: 0,
    ended_at: null,
    last_seq: 0,
    runner: null,
    result: null,
  });
  if (!compiled.ok) throw compiled.error;
  const { plan: cp, options } = compiled.value;
  const meta: RunMeta = { sequence: 4, offsetMinutes: 0 };
  const block = planBlock(cp.input, cp.tasks, options);
  const journal = new RunJournal({
    runId: 'r',
    bus,
    subjects,
    logger: silent,
    clock,
    checkpointEvery,
    tasks: 1,
    firstSeq: 1,
    accepted: { plan, options: record.options },
    view: {
      counts: () => ({
        total: cp.n,
        completed: core.counts[S.complete],
        failed: core.counts[S.failed],
        skipped: core.counts[S.skipped],
        in_progress: core.counts[S.in_progress],
      }),
      snapshot: () => snapshot(core, meta, block),
    },
  });
  const core: DispatchCore = new DispatchCore(
    cp,
    options,
    eventHooks(
      () => core,
      (e) => journal.push(e),
    ),
  );
  journal.push({ type: 'plan_accepted', total_tasks: cp.n });
  journal.push({ type: 'run_started', at: clock() });
  core.now = clock();
  core.begin();
  const live: DispatchRecord[] = core.drain();
  journal.flush();
  let results = 0;
  while (live.length > 0 && results < stopAfter) {
    const inStep = 1 + next(2);
    for (let k = 0; k < inStep && live.length > 0; k++) {
      time.advance(1 + next(5000));
      const d = live.splice(next(live.length), 1)[0];
      const choice = next(4);
      const outcome: Outcome =
        choice < 2
          ? { ok: true, produced: [], summary: `done ${d.task}` }
          : { ok: false, recoverable: choice === 2, code: 'BOOM', message: 'failed on purpose' };
      journal.push({
        type: 'result_received',
        at: clock(),
        request_id: `r_${d.task}_${d.attempt}`,
        task_id: cp.ids[d.task],
        attempt: d.attempt,
        runtime_id: 'rt',
        outcome: recordOutcome(cp, outcome),
      });
      core.now = clock();
      meta.sequence++;
      core.result(d.task, outcome);
      live.push(...core.drain());
      results++;
    }
    journal.flush();
  }
  if (core.runStatus !== 'running') journal.end(core.runStatus);
  await bus.flush();
  manager.close();
  await bus.close();
  return { live: snapshot(core, meta, block), store, published };
}

describe('replay of the event log', () => {
  it('rebuilds exactly the live state from the checkpoint + tail, and from the whole log alone, and regenerates the logged events', async () => {
    await fc.assert(
      fc.asyncProperty(
        randomDag(14),
        fc.constantFrom('strict' as const, 'dependency' as const),
        fc.array(fc.nat(), { maxLength: 50 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 0, max: 60 }),
        async (dag, policy, tape, checkpointEvery, stopAfter) => {
          const p = planOf(dag, 3, false);
          const { live, store, published } = await recordedRun(p.plan, policy, tape, checkpointEvery, stopAfter);
          const record = store.getRun('r')!;
          const expected = JSON.stringify(live);
          // From the store, as resume does: latest checkpoint and the steps kept after it.
          const checkpoint = store.latestCheckpoint('r');
          const fromStore = rebuild(record, checkpoint, store.stepsAfter('r', checkpoint?.seq ?? 0));
          if (!fromStore.ok) throw fromStore.error;
          expect(JSON.stringify(rebuiltState(fromStore.value))).toBe(expected);
          // From the whole log alone (every step as published, before compaction).
          const regenerated: RunEvent[] = [];
          const fromLog = rebuild(record, undefined, published, (core) => eventHooks(core, (e) => regenerated.push(e)));
          if (!fromLog.ok) throw fromLog.error;
          expect(JSON.stringify(rebuiltState(fromLog.value))).toBe(expected);
          const logged = published
            .flatMap((s) => s.events)
            .filter((e) => !INPUTS.has(e.type) && e.type !== 'plan_accepted' && e.type !== 'run_completed');
          expect(regenerated).toEqual(logged);
          // The log has no gaps: each step starts right after the one before.
          published.forEach((s, i) =>
            expect(s.seq).toBe(i === 0 ? 1 : published[i - 1].seq + published[i - 1].events.length),
          );
        },
      ),
      { numRuns: 120 },
    );
  });

  it('refuses a log with a hole in it', async () => {
    const p = planOf(
      {
        n: 3,
        edges: [
          [0, 1],
          [1, 2],
        ],
        ids: ['a', 'b', 'c'],
        listing: [0, 1, 2],
        weights: ['light', 'light', 'light'],
      },
      0,
      false,
    );
    const { store, published } = await recordedRun(p.plan, 'strict', [0, 0, 0], 1000, 10);
    const holed = published.filter((_, i) => i !== 2);
    const rebuilt = rebuild(store.getRun('r')!, undefined, holed);
    expect(rebuilt.ok).toBe(false);
    if (!rebuilt.ok) expect(rebuilt.error.code).toBe('LOG_GAP');
  });
});
