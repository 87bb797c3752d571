import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { createRuntime } from '../dist/index.js';
import { natsBus } from '../dist/nats.js';
import { startNatsServer } from '../test/helpers/nats-server.js';
import { startRuntimeProcess } from '../test/helpers/runtime-process.js';
import { bestOfAsync, report, type Row } from './harness.js';

const NOOP_AGENTS = fileURLToPath(new URL('./noop-agents.mjs', import.meta.url));
const ECHO = fileURLToPath(new URL('./nats-echo.mjs', import.meta.url));
/** Requests in flight at once: the same for the raw baseline and the runtime (its maxConcurrentTasks). */
const WINDOW = 64;
/** Rounds timed per subject, after one warm-up round of the same size; the best is reported. */
const ROUNDS = 3;

function independentTasks(n: number) {
  const tasks = Array.from({ length: n }, (_, i) => ({ id: `task_${i}`, action: 'noop', capability_ids: ['CAP-PRE-001'], depends_on: [], input_refs: [], output_refs: [] }));
  return { agent: { name: 'planning_agent', type: 'operational' }, output: { content: { workflow: { tasks } }, content_type: 'plan' } };
}

/** Raw NATS request-reply to another process, `WINDOW` in flight: ms for `n`. */
async function rawRequestReply(url: string, n: number): Promise<number> {
  const echo = spawn(process.execPath, [ECHO, url], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => echo.stdout.once('data', () => resolve()));
  const nc = await connect({ servers: url, name: 'bench-raw' });
  const payload = new TextEncoder().encode(JSON.stringify({ noop: true }));
  const run = async (count: number) => {
    let next = 0;
    await Promise.all(Array.from({ length: WINDOW }, async () => {
      while (next < count) {
        next++;
        await nc.request('bench.echo', payload, { timeout: 10_000 });
      }
    }));
  };
  try {
    return await bestOfAsync(ROUNDS, () => run(n));
  } finally {
    await nc.close();
    echo.kill('SIGTERM');
  }
}

/** No-op tasks through a coordinator here and a `switchyard runtime` process: ms for `n`. */
async function throughRuntime(url: string, n: number): Promise<number> {
  const remote = await startRuntimeProcess(url, ['--agents', NOOP_AGENTS, '--threads', '2', '--concurrency', String(WINDOW / 2)]);
  const bus = await natsBus({ servers: url, name: 'bench-coordinator' });
  const rt = await createRuntime({ agents: [], pool: { maxThreads: 0 }, bus, maxConcurrentTasks: WINDOW, logger: pino({ level: 'silent' }) });
  try {
    await rt.waitForRuntimes(2, 20_000);
    const plan = independentTasks(n);
    return await bestOfAsync(ROUNDS, async () => {
      const result = await rt.submit(plan).result;
      if (result.status !== 'complete') throw new Error(`bench run ended ${result.status}`);
    });
  } finally {
    await rt.close({ cancel: true });
    await bus.close();
    remote.child.kill('SIGTERM');
    await remote.exited();
  }
}

/** `npm run bench -- nats`: remote dispatch over a local nats-server beside raw request-reply on it. */
export async function natsBench(): Promise<void> {
  const server = await startNatsServer();
  try {
    const n = 10_000;
    const raw = await rawRequestReply(server.url, n);
    const runtime = await throughRuntime(server.url, n);
    const rate = (ms: number) => Math.round(n / (ms / 1000));
    const rows: Row[] = [
      { name: `raw NATS request-reply to another process, ${WINDOW} in flight`, requests: n, ms: raw, 'per s': rate(raw) },
      { name: `Switchyard: no-op tasks to a remote runtime process (2 threads x ${WINDOW / 2}), ${WINDOW} in flight`, requests: n, ms: runtime, 'per s': rate(runtime), 'vs raw': `${((raw / runtime) * 100).toFixed(1)}%` },
    ];
    report('nats', rows, { 'target >= 50% of raw NATS request-reply': `${((raw / runtime) * 100).toFixed(1)}%: ${raw / runtime >= 0.5 ? 'met' : 'MISSED'}` });
  } finally {
    await server.stop();
  }
}
