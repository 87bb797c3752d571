import { pino } from 'pino';
import { Piscina } from 'piscina';
import { createRuntime, type Runtime } from '../dist/index.js';
import { defaultPrefetch } from '../dist/pool/agent-pool.js';
import { independentTasks } from './dag.js';
import { interleaved, pairedRatio, percentCell, report, type Row } from './harness.js';

const NOOP_AGENTS = new URL('./noop-agents.mjs', import.meta.url);
const RAW_WORKER = new URL('./noop-piscina-worker.mjs', import.meta.url);
const THREADS = 2;
/** Paired rounds timed, after one warm-up round; ratios are the median over them. */
const ROUNDS = 5;
/** The capacity-16 case again, split into this many runs at once: what a service driving many workflows sees. */
const CONCURRENT_RUNS = 50;

/** A raw Piscina pool and one round of `n` no-op tasks on it (in batches of `batch` items). */
function rawPiscina(n: number, concurrentTasksPerWorker: number, batch: number) {
  const pool = new Piscina({
    filename: RAW_WORKER.href,
    minThreads: THREADS,
    maxThreads: THREADS,
    concurrentTasksPerWorker,
  });
  const items = Array.from({ length: batch }, () => 0);
  return {
    pool,
    async round() {
      const pending: Array<Promise<unknown>> = [];
      for (let i = 0; i < n; i += batch) pending.push(pool.run(batch === 1 ? null : items));
      await Promise.all(pending);
    },
  };
}

/**
 * A runtime and one round of `n` no-op tasks through it, as `runs` concurrent runs of `n / runs`
 * tasks. Only the pool options raw Piscina has too are set (threads, attempts per worker at
 * once); everything else is the runtime's default — its prefetch too, unless `prefetch` is given.
 */
async function throughRuntime(n: number, concurrentTasksPerWorker: number, runs = 1, prefetch?: number) {
  const rt: Runtime = await createRuntime({
    agents: [NOOP_AGENTS],
    pool: { maxThreads: THREADS, concurrentTasksPerWorker, ...(prefetch === undefined ? {} : { prefetch }) },
    logger: pino({ level: 'silent' }),
  });
  const plan = independentTasks(n / runs);
  return {
    rt,
    async round() {
      const results = await Promise.all(Array.from({ length: runs }, () => rt.submit(plan).result));
      for (const result of results)
        if (result.status !== 'complete') throw new Error(`bench run ended ${result.status}`);
    },
  };
}

/**
 * `npm run bench -- pool`: no-op tasks through the runtime beside raw Piscina with the same
 * options. All subjects live side by side and are timed in turn, round after round; a ratio
 * is the median over the rounds of the ratio within each round.
 */
export async function poolBench(): Promise<void> {
  const n = 20_000;
  const raws = { raw1: rawPiscina(n, 1, 1), rawC: rawPiscina(n, 16, 1), rawBatch: rawPiscina(n, 1, 100) };
  const rts = {
    rt1: await throughRuntime(n, 1),
    rt1Off: await throughRuntime(n, 1, 1, 0),
    rtC: await throughRuntime(n, 16),
    rtCOff: await throughRuntime(n, 16, 1, 0),
    rtMany: await throughRuntime(n, 16, CONCURRENT_RUNS),
  };
  try {
    const t = await interleaved(ROUNDS, {
      raw1: raws.raw1.round,
      rt1: rts.rt1.round,
      rt1Off: rts.rt1Off.round,
      rawC: raws.rawC.round,
      rtC: rts.rtC.round,
      rtCOff: rts.rtCOff.round,
      rtMany: rts.rtMany.round,
      rawBatch: raws.rawBatch.round,
    });
    const best = (times: number[]) => Math.min(...times);
    const rate = (times: number[]) => Math.round(n / (best(times) / 1000));
    const vs1 = pairedRatio(t.raw1, t.rt1);
    const vs1Off = pairedRatio(t.raw1, t.rt1Off);
    const vsC = pairedRatio(t.rawC, t.rtC);
    const vsCOff = pairedRatio(t.rawC, t.rtCOff);
    const vsMany = pairedRatio(t.rawC, t.rtMany);
    const batching = pairedRatio(t.raw1, t.rtC);
    const batchingOff = pairedRatio(t.raw1, t.rtCOff);
    const column = `vs raw, same options (median of ${ROUNDS} paired rounds, range)`;
    const rows: Row[] = [
      { name: 'raw Piscina, 1 task per worker at a time', tasks: n, 'best ms': best(t.raw1), 'tasks/s': rate(t.raw1) },
      { name: 'raw Piscina, concurrentTasksPerWorker 16', tasks: n, 'best ms': best(t.rawC), 'tasks/s': rate(t.rawC) },
      { name: 'raw Piscina, batches of 100 items', tasks: n, 'best ms': best(t.rawBatch), 'tasks/s': rate(t.rawBatch) },
      {
        name: `Switchyard runtime, 1 per worker at a time (default prefetch ${defaultPrefetch(1)})`,
        tasks: n,
        'best ms': best(t.rt1),
        'tasks/s': rate(t.rt1),
        [column]: percentCell(vs1),
      },
      {
        name: '  …holding nothing (pool.prefetch: 0; context)',
        tasks: n,
        'best ms': best(t.rt1Off),
        'tasks/s': rate(t.rt1Off),
        [column]: percentCell(vs1Off),
      },
      {
        name: `Switchyard runtime, concurrentTasksPerWorker 16 (default prefetch ${defaultPrefetch(16)})`,
        tasks: n,
        'best ms': best(t.rtC),
        'tasks/s': rate(t.rtC),
        [column]: percentCell(vsC),
      },
      {
        name: '  …holding nothing (pool.prefetch: 0; context)',
        tasks: n,
        'best ms': best(t.rtCOff),
        'tasks/s': rate(t.rtCOff),
        [column]: percentCell(vsCOff),
      },
      {
        name: `  …as ${CONCURRENT_RUNS} concurrent runs (context: one dispatcher, shared workers)`,
        tasks: n,
        'best ms': best(t.rtMany),
        'tasks/s': rate(t.rtMany),
        [column]: percentCell(vsMany),
      },
    ];
    const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
    const times = (r: { median: number; low: number; high: number }) =>
      `${r.median.toFixed(2)}x (range ${r.low.toFixed(2)}–${r.high.toFixed(2)}x)`;
    report('pool', rows, {
      'target >= 90% of raw Piscina, same pool options (runtime defaults)': `1 per worker: ${(vs1.median * 100).toFixed(1)}%, 16 per worker: ${(vsC.median * 100).toFixed(1)}%: ${met(vs1.median >= 0.9 && vsC.median >= 0.9)}`,
      '  …with holding turned off (pool.prefetch: 0; context, no target)': `1 per worker: ${(vs1Off.median * 100).toFixed(1)}%, 16 per worker: ${(vsCOff.median * 100).toFixed(1)}%`,
      'target >= 2x raw per-task Piscina with micro-batching (16 per worker vs raw 1 per worker, median)': `${times(batching)}: ${met(batching.median >= 2)}; with holding off: ${times(batchingOff)}`,
    });
  } finally {
    for (const r of Object.values(rts)) await r.rt.close();
    for (const r of Object.values(raws)) await r.pool.destroy();
  }
}
