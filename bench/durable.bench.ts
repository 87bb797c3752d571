import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { StateManager } from '../dist/actors/state-manager.js';
import { InProcessBus } from '../dist/bus/in-process-bus.js';
import type { CompiledPlan } from '../dist/core/compiled-plan.js';
import { DispatchCore, type Outcome } from '../dist/core/dispatch-core.js';
import { systemScheduler } from '../dist/core/scheduler.js';
import type { ResolvedOptions } from '../dist/core/options.js';
import { planBlock, snapshot } from '../dist/core/state-codec.js';
import { S } from '../dist/machines/task-table.js';
import { subjects as subjectBuilders } from '../dist/protocol/subjects.js';
import { SqliteStore } from '../dist/sqlite.js';
import { eventHooks } from '../dist/journal/event-hooks.js';
import { MemoryStore } from '../dist/store/memory-store.js';
import { recordOutcome } from '../dist/journal/replay.js';
import { RunJournal } from '../dist/journal/run-journal.js';
import type { StateStore } from '../dist/store/state-store.js';
import { dagEdges } from './dag.js';
import { bestOf, pairedRatio, percentCell, report, type Row } from './harness.js';
import { compile } from './step.bench.js';

const OK: Outcome = { ok: true, produced: [], summary: null };
/**
 * Paired rounds timed: of the target pair (an even count, so each goes first as often), after
 * three warm-up rounds (the encoders take a few runs to be fully compiled: the first runs encode
 * the plan in up to four times the time of the later ones), and of the context stores, after one.
 */
const TARGET_ROUNDS = 8;
const TARGET_WARMUP = 3;
const ROUNDS = 5;
const silent = pino({ level: 'silent' });

/**
 * The step bench's run — every released attempt succeeds at once — recorded through the real
 * journal, bus and state manager into `store`. A step is one wave of results (what the live
 * supervisor gets when results arrive together). The time runs until the run's last step is
 * on file.
 */
export async function recordedRun(
  plan: CompiledPlan,
  options: ResolvedOptions,
  store: StateStore,
  runId = 'bench',
): Promise<{ ms: number; events: number; steps: number }> {
  const bus = new InProcessBus();
  const subjects = subjectBuilders();
  let now = 1_700_000_000_000;
  const clock = () => now;
  const manager = new StateManager({
    bus,
    subjects,
    store,
    logger: silent,
    scheduler: { ...systemScheduler, now: clock },
  });
  manager.claim(runId);
  const meta = { sequence: 4, offsetMinutes: 0 };
  const block = planBlock(plan.input, plan.tasks, options);
  let events = 0;
  let steps = 0;
  const start = performance.now();
  const journal = new RunJournal({
    runId,
    bus,
    subjects,
    logger: silent,
    clock,
    checkpointEvery: 1000,
    tasks: plan.n,
    firstSeq: 1,
    accepted: { plan: { tasks: plan.tasks }, options: { policy: options.policy, max_attempts: options.maxAttempts } },
    view: {
      counts: () => ({
        total: plan.n,
        completed: core.counts[S.complete],
        failed: core.counts[S.failed],
        skipped: core.counts[S.skipped],
        in_progress: core.counts[S.in_progress],
      }),
      snapshot: () => snapshot(core, meta, block),
    },
  });
  const core: DispatchCore = new DispatchCore(
    plan,
    options,
    eventHooks(
      () => core,
      (e) => {
        events++;
        journal.push(e);
      },
    ),
  );
  journal.push({ type: 'plan_accepted', total_tasks: plan.n });
  journal.push({ type: 'run_started', at: now });
  core.now = now;
  core.begin();
  const recorded = recordOutcome(plan, OK);
  let wave = core.drain();
  while (wave.length > 0) {
    journal.flush();
    steps++;
    // Between steps the event loop turns, as in a live run: the state manager writes as it goes.
    await new Promise<void>((resolve) => setImmediate(resolve));
    now += 1;
    core.now = now;
    for (const d of wave) {
      journal.push({
        type: 'result_received',
        at: now,
        request_id: `${runId}_${d.task}_${d.attempt}`,
        task_id: plan.ids[d.task],
        attempt: d.attempt,
        runtime_id: 'rt',
        outcome: recorded,
      });
      events++;
      meta.sequence++;
      core.result(d.task, OK);
    }
    wave = core.drain();
  }
  journal.end('complete');
  await bus.flush();
  const ms = performance.now() - start;
  manager.close();
  await bus.close();
  // Its summary, not its record: the record decodes the whole plan, garbage the next run would collect.
  if (store.listRuns().find((r) => r.run_id === runId)?.status !== 'complete')
    throw new Error(`the bench run ${runId} was not recorded as complete`);
  return { ms, events, steps: steps + 1 };
}

/** `npm run bench -- durable`: the step bench's DAG recorded in SQLite beside the in-memory store. */
export async function durableBench(): Promise<void> {
  const n = 100_000;
  const { plan, options } = compile(dagEdges(n), 'strict');
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const rows: Row[] = [];
  try {
    const bare = bestOf(3, () => {
      const core = new DispatchCore(plan, options);
      core.begin();
      for (let wave = core.drain(); wave.length > 0; wave = core.drain()) for (const d of wave) core.result(d.task, OK);
    });
    rows.push({
      name: 'dispatch core alone, not recorded (context)',
      tasks: n,
      'best ms': bare,
      'tasks/s': Math.round(n / (bare / 1000)),
    });
    // Each store is opened once and records a run per round, as a runtime's store records the
    // runs submitted to it: its writer thread starts once, not with every run (that start is a
    // context row). A round has each store record the run in turn, so they are measured under
    // the same machine conditions; a ratio is the median of the rounds' ratios. Each round starts
    // one store further on, so none always follows the same one (and collects its garbage). Runs
    // are pruned after each, outside the time, so no store carries the ones before. The target
    // pair is measured on its own first; the context stores (one of which opens a store and
    // starts a thread per run) then run beside the in-memory store again.
    const kinds = ['memory', 'sqlite', 'sqlite-full', 'sqlite-inline', 'sqlite-fresh'] as const;
    type Kind = (typeof kinds)[number];
    const open = (kind: Kind, file: string): StateStore =>
      kind === 'memory'
        ? new MemoryStore()
        : SqliteStore.open(file, {
            synchronous: kind === 'sqlite-full' ? 'full' : 'normal',
            writer: kind === 'sqlite-inline' ? 'inline' : 'thread',
          });
    const stores = new Map<Kind, StateStore>(
      kinds.filter((k) => k !== 'sqlite-fresh').map((k) => [k, open(k, join(dir, `${k}.db`))]),
    );
    const counts = { events: 0, steps: 0 };
    let runs = 0;
    const rounds = async (
      together: readonly Kind[],
      count: number,
      warmup: number,
    ): Promise<Record<Kind, number[]>> => {
      const times = Object.fromEntries(together.map((k) => [k, [] as number[]])) as Record<Kind, number[]>;
      for (let i = -warmup; i < count; i++) {
        for (let k = 0; k < together.length; k++) {
          const kind = together[(k + Math.max(i, 0)) % together.length];
          runs++;
          const store = stores.get(kind) ?? open(kind, join(dir, `fresh-${runs}.db`));
          const run = await recordedRun(plan, options, store, `bench-${runs}`);
          store.prune(Number.MAX_SAFE_INTEGER);
          if (kind === 'sqlite-fresh') store.close();
          if (i < 0) continue;
          times[kind].push(run.ms);
          counts.events = run.events;
          counts.steps = run.steps;
        }
      }
      return times;
    };
    const target = await rounds(['memory', 'sqlite'], TARGET_ROUNDS, TARGET_WARMUP);
    const context = await rounds(['memory', 'sqlite-full', 'sqlite-inline', 'sqlite-fresh'], ROUNDS, 1);
    for (const store of stores.values()) store.close();
    // The file one run leaves, on its own.
    const sizeFile = join(dir, 'size.db');
    const sized = SqliteStore.open(sizeFile);
    await recordedRun(plan, options, sized);
    sized.close();
    const size = statSync(sizeFile).size;
    const column = `vs in-memory (median of paired rounds: ${TARGET_ROUNDS} for NORMAL, ${ROUNDS} for the rest; range)`;
    const labels = [
      ['memory', 'in-memory store'],
      ['sqlite', 'SQLite store, WAL, synchronous=NORMAL'],
      ['sqlite-full', 'SQLite store, WAL, synchronous=FULL (fsync each commit)'],
      ['sqlite-inline', 'SQLite store, NORMAL, committed inline (context: no writer thread)'],
      ['sqlite-fresh', 'SQLite store, NORMAL, opened for the run (context: its writer thread starts with it)'],
    ] as const;
    for (const [kind, label] of labels) {
      const times = kind === 'sqlite' || kind === 'memory' ? target : context;
      const best = Math.min(...times[kind]);
      rows.push({
        name: label,
        tasks: n,
        events: counts.events,
        steps: counts.steps,
        'best ms': best,
        'tasks/s': Math.round(n / (best / 1000)),
        ...(kind === 'memory' ? {} : { [column]: percentCell(pairedRatio(times.memory, times[kind])) }),
      });
    }
    const ratio = pairedRatio(target.memory, target.sqlite).median;
    report('durable', rows, {
      'fsync mode':
        'WAL with synchronous=NORMAL (the default): a commit survives a crash of the process; fsync happens at WAL checkpoints. synchronous=FULL also shown.',
      commits:
        'the writer thread commits the steps waiting for it together (one transaction, each step whole); inline, each step is its own transaction',
      'database bytes per task': `${Math.round(size / n)} (${(size / 1e6).toFixed(1)} MB for ${n.toLocaleString('en-US')} tasks, after close)`,
      'target >= 50% of in-memory': `${(ratio * 100).toFixed(1)}%: ${ratio >= 0.5 ? 'met' : 'MISSED'}`,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
