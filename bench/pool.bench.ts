import { pino } from 'pino';
import { Piscina } from 'piscina';
import { createRuntime } from '../dist/index.js';
import { bestOfAsync, report, type Row } from './harness.js';

const NOOP_AGENTS = new URL('./noop-agents.mjs', import.meta.url);
const RAW_WORKER = new URL('./noop-piscina-worker.mjs', import.meta.url);
const THREADS = 2;

function independentTasks(n: number) {
  const tasks = Array.from({ length: n }, (_, i) => ({ id: `task_${i}`, action: 'noop', capability_ids: ['CAP-PRE-001'], depends_on: [], input_refs: [], output_refs: [] }));
  return { agent: { name: 'planning_agent', type: 'operational' }, output: { content: { workflow: { tasks } }, content_type: 'plan' } };
}

/** Rounds timed per subject, after one warm-up round of the same size; the best is reported. */
const ROUNDS = 3;
/** The capacity-16 case again, split into this many runs at once: what a service driving many workflows sees. */
const CONCURRENT_RUNS = 50;

async function rawPiscina(n: number, concurrentTasksPerWorker: number, batch: number): Promise<number> {
  const pool = new Piscina({ filename: RAW_WORKER.href, minThreads: THREADS, maxThreads: THREADS, concurrentTasksPerWorker });
  const items = Array.from({ length: batch }, () => 0);
  try {
    return await bestOfAsync(ROUNDS, async () => {
      const pending: Array<Promise<unknown>> = [];
      for (let i = 0; i < n; i += batch) pending.push(pool.run(batch === 1 ? null : items));
      await Promise.all(pending);
    });
  } finally {
    await pool.destroy();
  }
}

/** `n` no-op tasks through one runtime, as `runs` concurrent runs of `n / runs` tasks each. */
async function throughRuntime(n: number, concurrentTasksPerWorker: number, runs = 1): Promise<number> {
  const rt = await createRuntime({ agents: [NOOP_AGENTS], pool: { maxThreads: THREADS, concurrentTasksPerWorker }, maxConcurrentTasks: THREADS * concurrentTasksPerWorker * 2, logger: pino({ level: 'silent' }) });
  const plan = independentTasks(n / runs);
  try {
    return await bestOfAsync(ROUNDS, async () => {
      const results = await Promise.all(Array.from({ length: runs }, () => rt.submit(plan).result));
      for (const result of results) if (result.status !== 'complete') throw new Error(`bench run ended ${result.status}`);
    });
  } finally {
    await rt.close();
  }
}

/**
 * `npm run bench -- pool`: no-op tasks through the runtime beside raw Piscina with the same options,
 * each warmed up with one round of the same size and timed as the best of {@link ROUNDS}.
 */
export async function poolBench(): Promise<void> {
  const n = 20_000;
  const rows: Row[] = [];
  const rate = (ms: number) => Math.round(n / (ms / 1000));
  const raw1 = await rawPiscina(n, 1, 1);
  const rawC = await rawPiscina(n, 16, 1);
  const rawBatch = await rawPiscina(n, 1, 100);
  const rt1 = await throughRuntime(n, 1);
  const rtC = await throughRuntime(n, 16);
  const rtMany = await throughRuntime(n, 16, CONCURRENT_RUNS);
  rows.push({ name: 'raw Piscina, 1 task per worker at a time', tasks: n, ms: raw1, 'tasks/s': rate(raw1) });
  rows.push({ name: 'raw Piscina, concurrentTasksPerWorker 16', tasks: n, ms: rawC, 'tasks/s': rate(rawC) });
  rows.push({ name: 'raw Piscina, batches of 100 items', tasks: n, ms: rawBatch, 'tasks/s': rate(rawBatch) });
  rows.push({ name: 'Switchyard runtime, capacity 1 per worker', tasks: n, ms: rt1, 'tasks/s': rate(rt1), 'vs raw (same options)': `${((raw1 / rt1) * 100).toFixed(1)}%` });
  rows.push({ name: 'Switchyard runtime, capacity 16 per worker', tasks: n, ms: rtC, 'tasks/s': rate(rtC), 'vs raw (same options)': `${((rawC / rtC) * 100).toFixed(1)}%` });
  rows.push({ name: `  …as ${CONCURRENT_RUNS} concurrent runs (context: one dispatcher, shared workers)`, tasks: n, ms: rtMany, 'tasks/s': rate(rtMany), 'vs raw (same options)': `${((rawC / rtMany) * 100).toFixed(1)}%` });
  report('pool', rows, {
    'target >= 90% of raw Piscina': (raw1 / rt1 >= 0.9 && rawC / rtC >= 0.9) ? 'met' : 'MISSED',
    'target >= 2x raw per-task Piscina with micro-batching': `${(raw1 / rtC).toFixed(2)}x of raw per-task (capacity 16 vs raw 1 per worker): ${raw1 / rtC >= 2 ? 'met' : 'MISSED'}`,
  });
}
