import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { Piscina } from 'piscina';
import { independentTasks } from './dag.js';
import { interleaved, pairedRatio, percentCell, report, type Row } from './harness.js';

/**
 * The pool bench's rows for several builds of Switchyard in one process, beside raw Piscina:
 * how a change moved the runtime's cost, with every build timed in the same rounds on the same
 * machine state. Each build is a compiled `dist/` directory (build a commit with
 * `git worktree add /tmp/b <commit> && (cd /tmp/b && npx tsc -p tsconfig.build.json)`).
 *
 *   node --expose-gc --import tsx bench/compare-builds.ts before=/tmp/b/dist after=dist
 *
 * The first build is the reference: the last column is each build's speed against it (its time
 * over the build's, per round; above 100% is faster).
 */
const THREADS = 2;
const ROUNDS = 7;
const N = 20_000;
const NOOP_AGENTS = new URL('./noop-agents.mjs', import.meta.url);
const RAW_WORKER = new URL('./noop-piscina-worker.mjs', import.meta.url);

interface RowSpec {
  readonly name: string;
  readonly perWorker: number;
  readonly prefetch?: number;
  readonly runs: number;
}

const ROWS: readonly RowSpec[] = [
  { name: '1 per worker, default prefetch', perWorker: 1, runs: 1 },
  { name: '1 per worker, prefetch 0', perWorker: 1, prefetch: 0, runs: 1 },
  { name: '16 per worker, default prefetch', perWorker: 16, runs: 1 },
  { name: '16 per worker, prefetch 0', perWorker: 16, prefetch: 0, runs: 1 },
  { name: '16 per worker, 50 concurrent runs', perWorker: 16, runs: 50 },
];

type CreateRuntime = (options: object) => Promise<{
  submit(plan: object): { result: Promise<{ status: string }> };
  close(): Promise<void>;
}>;

async function subjectsFor(row: RowSpec, builds: ReadonlyMap<string, CreateRuntime>) {
  const raw = new Piscina({
    filename: RAW_WORKER.href,
    minThreads: THREADS,
    maxThreads: THREADS,
    concurrentTasksPerWorker: row.perWorker,
  });
  const runtimes = new Map<string, Awaited<ReturnType<CreateRuntime>>>();
  for (const [name, create] of builds)
    runtimes.set(
      name,
      await create({
        agents: [NOOP_AGENTS],
        pool: {
          maxThreads: THREADS,
          concurrentTasksPerWorker: row.perWorker,
          ...(row.prefetch === undefined ? {} : { prefetch: row.prefetch }),
        },
        logger: pino({ level: 'silent' }),
      }),
    );
  const part = independentTasks(N / row.runs);
  const rounds: Record<string, () => Promise<void>> = {
    raw: async () => {
      const pending: Array<Promise<unknown>> = [];
      for (let i = 0; i < N; i++) pending.push(raw.run(null));
      await Promise.all(pending);
    },
  };
  for (const [name, rt] of runtimes)
    rounds[name] = async () => {
      const results = await Promise.all(Array.from({ length: row.runs }, () => rt.submit(part).result));
      for (const r of results) if (r.status !== 'complete') throw new Error(`${name}: a run ended ${r.status}`);
    };
  return {
    rounds,
    async close() {
      for (const rt of runtimes.values()) await rt.close();
      await raw.destroy();
    },
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const builds = new Map<string, CreateRuntime>();
  for (const arg of args) {
    const [name, dir] = arg.includes('=') ? arg.split('=', 2) : [arg, arg];
    const module = (await import(pathToFileURL(resolve(dir, 'index.js')).href)) as { createRuntime: CreateRuntime };
    builds.set(name, module.createRuntime);
  }
  if (builds.size === 0) {
    process.stderr.write('compare-builds: name one or more builds as name=<dist directory>.\n');
    process.exitCode = 2;
    return;
  }
  const [reference] = builds.keys();
  const rows: Row[] = [];
  for (const spec of ROWS) {
    const subjects = await subjectsFor(spec, builds);
    try {
      const t = await interleaved(ROUNDS, subjects.rounds);
      for (const name of builds.keys()) {
        const vsRaw = pairedRatio(t.raw, t[name]);
        const vsRef = pairedRatio(t[reference], t[name]);
        rows.push({
          name: `${spec.name}: ${name}`,
          tasks: N,
          'best ms': Math.min(...t[name]),
          'speed vs raw Piscina (median, range)': percentCell(vsRaw),
          [`speed vs ${reference} (median, range)`]: percentCell(vsRef),
        });
      }
    } finally {
      await subjects.close();
    }
  }
  report('compare-builds', rows, {
    baseline: `raw Piscina with the same concurrentTasksPerWorker, one task per run() call; ${ROUNDS} paired rounds after one warm-up, ratios are medians of per-round ratios`,
  });
}

await main();
