import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { createRuntime } from '../dist/index.js';
import { natsBus } from '../dist/nats.js';
import { startNatsServer } from '../test/helpers/nats-server.js';
import { startRuntimeProcess } from '../test/helpers/runtime-process.js';
import { independentTasks } from './dag.js';
import { interleaved, pairedRatio, percentCell, report, type Row } from './harness.js';

const NOOP_AGENTS = fileURLToPath(new URL('./noop-agents.mjs', import.meta.url));
const ECHO = fileURLToPath(new URL('./nats-echo.mjs', import.meta.url));
/** Requests in flight at once: the same for the raw baseline and the runtime (its maxConcurrentTasks). */
const WINDOW = 64;
/** Paired rounds timed, after one warm-up round; the ratio is the median over them. */
const ROUNDS = 5;

/** An echo process and a client: rounds of `n` raw NATS requests to it, `WINDOW` in flight. */
async function rawRequestReply(url: string, n: number) {
  const echo = spawn(process.execPath, [ECHO, url], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => echo.stdout.once('data', () => resolve()));
  const nc = await connect({ servers: url, name: 'bench-raw' });
  const payload = new TextEncoder().encode(JSON.stringify({ noop: true }));
  return {
    async round() {
      let next = 0;
      await Promise.all(
        Array.from({ length: WINDOW }, async () => {
          while (next < n) {
            next++;
            await nc.request('bench.echo', payload, { timeout: 10_000 });
          }
        }),
      );
    },
    async stop() {
      await nc.close();
      echo.kill('SIGTERM');
    },
  };
}

/** A coordinator here and a `switchyard runtime` process: rounds of `n` no-op tasks through them. */
async function throughRuntime(url: string, n: number) {
  const remote = await startRuntimeProcess(url, [
    '--agents',
    NOOP_AGENTS,
    '--threads',
    '2',
    '--concurrency',
    String(WINDOW / 2),
  ]);
  const bus = await natsBus({ servers: url, name: 'bench-coordinator' });
  const rt = await createRuntime({
    agents: [],
    pool: { maxThreads: 0 },
    bus,
    maxConcurrentTasks: WINDOW,
    logger: pino({ level: 'silent' }),
  });
  await rt.waitForRuntimes(2, 20_000);
  const plan = independentTasks(n);
  return {
    async round() {
      const result = await rt.submit(plan).result;
      if (result.status !== 'complete') throw new Error(`bench run ended ${result.status}`);
    },
    async stop() {
      await rt.close({ cancel: true });
      await bus.close();
      remote.child.kill('SIGTERM');
      await remote.exited();
    },
  };
}

/**
 * `npm run bench -- nats`: remote dispatch over a local nats-server beside raw request-reply
 * on it, timed in turn, round after round; the ratio is the median of the ratios within rounds.
 */
export async function natsBench(): Promise<void> {
  const server = await startNatsServer();
  const n = 10_000;
  const raw = await rawRequestReply(server.url, n);
  const runtime = await throughRuntime(server.url, n);
  try {
    const t = await interleaved(ROUNDS, { raw: raw.round, runtime: runtime.round });
    const best = (times: number[]) => Math.min(...times);
    const rate = (times: number[]) => Math.round(n / (best(times) / 1000));
    const vs = pairedRatio(t.raw, t.runtime);
    const rows: Row[] = [
      {
        name: `raw NATS request-reply to another process, ${WINDOW} in flight`,
        requests: n,
        'best ms': best(t.raw),
        'per s': rate(t.raw),
      },
      {
        name: `Switchyard: no-op tasks to a remote runtime process (2 threads x ${WINDOW / 2}), ${WINDOW} in flight`,
        requests: n,
        'best ms': best(t.runtime),
        'per s': rate(t.runtime),
        [`vs raw (median of ${ROUNDS} paired rounds, range)`]: percentCell(vs),
      },
    ];
    report('nats', rows, {
      'target >= 50% of raw NATS request-reply': `${(vs.median * 100).toFixed(1)}%: ${vs.median >= 0.5 ? 'met' : 'MISSED'}`,
    });
  } finally {
    await runtime.stop();
    await raw.stop();
    await server.stop();
  }
}
