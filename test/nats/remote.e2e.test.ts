import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@nats-io/transport-node';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type AgentExecutionResult, createRuntime, type Runtime } from '../../src/index.js';
import { natsBus } from '../../src/nats.js';
import { SqliteStore } from '../../src/sqlite.js';
import { examplePlan } from '../helpers/fixtures.js';
import { startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';
import { type RuntimeProcess, startRuntimeProcess } from '../helpers/runtime-process.js';

const SLOW_AGENTS = fileURLToPath(new URL('../fixtures/agents/slow-example-agents.mjs', import.meta.url));
const BIN = fileURLToPath(new URL('../../dist/cli/bin.js', import.meta.url));
const quiet = pino({ level: 'silent' });
const storage = mkdtempSync(join(tmpdir(), 'switchyard-remote-'));
const env = (delayMs: number) => ({ SWITCHYARD_STORAGE: storage, SLOW_AGENT_DELAY_MS: String(delayMs) });

let server: TestNatsServer;
const processes: RuntimeProcess[] = [];
beforeAll(async () => {
  server = await startNatsServer();
});
// Each test's runtime processes go with it, so the next test's dispatcher sees only its own.
afterEach(async () => {
  const running = processes.splice(0);
  for (const p of running) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  await Promise.all(running.map((p) => p.exited()));
});
afterAll(async () => {
  await server.stop();
  rmSync(storage, { recursive: true, force: true });
});

/** A coordinator with no local workers, on the test server. */
async function coordinator(heartbeatMs = 1000): Promise<Runtime> {
  const bus = await natsBus({ servers: server.url, reconnectTimeWait: 50 });
  return createRuntime({ agents: [], pool: { maxThreads: 0 }, bus, heartbeatMs, taskTimeoutMs: 20_000, logger: quiet });
}

async function runtimeProcess(args: string[], delayMs: number): Promise<RuntimeProcess> {
  const p = await startRuntimeProcess(server.url, ['--agents', SLOW_AGENTS, ...args], env(delayMs));
  processes.push(p);
  return p;
}

async function stop(rt: Runtime): Promise<void> {
  await rt.close({ cancel: true });
  await rt.bus.close();
}

describe('remote runtimes over a real nats-server', () => {
  it('runs the example plan across two runtime processes, and they deregister cleanly on SIGTERM', async () => {
    const a = await runtimeProcess(['--threads', '1'], 30);
    const b = await runtimeProcess(['--threads', '1'], 30);
    const rt = await coordinator();
    try {
      await rt.waitForRuntimes(2, 10_000);
      const run = rt.submit(examplePlan());
      const results: AgentExecutionResult[] = [];
      run.on('result', (r) => results.push(r));
      const result = await run.result;
      expect(result.status).toBe('complete');
      expect(new Set(results.map((r) => r.runtime_id))).toEqual(new Set([...a.runtimeIds, ...b.runtimeIds]));
      a.child.kill('SIGTERM');
      b.child.kill('SIGTERM');
      expect(await a.exited()).toBe(0);
      expect(await b.exited()).toBe(0);
      await expect.poll(() => rt.dispatcher.registry.runtimes().length, { timeout: 5000 }).toBe(0);
    } finally {
      await stop(rt);
    }
  });

  it('retries on the other runtime the attempt of a runtime killed mid-task (heartbeats stop)', async () => {
    const a = await runtimeProcess(['--threads', '1', '--heartbeat-ms', '150'], 1500);
    const b = await runtimeProcess(['--threads', '1', '--heartbeat-ms', '150'], 1500);
    const rt = await coordinator(150);
    try {
      await rt.waitForRuntimes(2, 10_000);
      // One slow task: it is killed on whichever runtime takes it.
      const plan = {
        tasks: [
          {
            id: 'solo',
            action: 'wait',
            capability_ids: ['CAP-PRE-001'],
            depends_on: [],
            input_refs: [],
            output_refs: [],
          },
        ],
      };
      const run = rt.submit(plan);
      const results: AgentExecutionResult[] = [];
      run.on('result', (r) => results.push(r));
      const busy = () => rt.dispatcher.registry.runtimes().find((r) => r.inFlight.size > 0)?.runtimeId;
      await expect.poll(busy, { timeout: 10_000 }).toBeDefined();
      const victim = a.runtimeIds.includes(busy()!) ? a : b;
      const survivor = victim === a ? b : a;
      victim.child.kill('SIGKILL');
      const result = await run.result;
      expect(result.status).toBe('complete');
      expect(result.task_results.solo.attempts).toBe(2);
      expect(results[0].outcome).toMatchObject({
        status: 'failed',
        error: { code: 'RUNTIME_LOST', recoverable: true },
      });
      expect(survivor.runtimeIds).toContain(results[1].runtime_id);
    } finally {
      await stop(rt);
    }
  });

  it('finishes a run across a nats-server restart, losing nothing', async () => {
    const a = await runtimeProcess(['--threads', '2'], 250);
    const rt = await coordinator();
    try {
      await rt.waitForRuntimes(2, 10_000);
      const run = rt.submit(examplePlan());
      let restarted: Promise<void> | undefined;
      run.on('result', () => {
        restarted ??= server.restart(500);
      });
      const result = await run.result;
      await restarted;
      expect(restarted).toBeDefined();
      expect(result.status, JSON.stringify(run.state().failure_log)).toBe('complete');
      expect(run.state().failure_log).toEqual([]);
      // Nothing was lost: no attempt had to run again.
      for (const t of Object.values(result.task_results)) expect(t.attempts).toBe(1);
      a.child.kill('SIGTERM');
      expect(await a.exited()).toBe(0);
    } finally {
      await stop(rt);
    }
  });

  it('fails at once, without a timeout wait, a task no remote runtime serves', async () => {
    const a = await runtimeProcess(['--threads', '1'], 10);
    const rt = await coordinator();
    try {
      await rt.waitForRuntimes(1, 10_000);
      const plan = examplePlan() as {
        output: { content: { workflow: { tasks: Record<string, { capability_ids: string[] }> } } };
      };
      plan.output.content.workflow.tasks.task_1.capability_ids = ['CAP-NOBODY-001'];
      const started = Date.now();
      const result = await rt.submit(plan, { checkCapabilities: false }).result;
      expect(Date.now() - started).toBeLessThan(3000);
      expect(result.status).toBe('partial');
      expect(result.task_results.task_1.status).toBe('failed');
      a.child.kill('SIGTERM');
      await a.exited();
    } finally {
      await stop(rt);
    }
  });

  it("shows seed 003's Example 4 when the remote runtime is told to fail task_5 (--fail on switchyard runtime)", async () => {
    const a = await runtimeProcess(['--threads', '1', '--fail', 'task_5:recoverable'], 10);
    const rt = await coordinator();
    try {
      await rt.waitForRuntimes(1, 10_000);
      const result = await rt.submit(examplePlan()).result;
      expect(result.status).toBe('partial');
      expect(result.task_results.task_5).toEqual({ status: 'failed', attempts: 3 });
      expect(Object.values(result.task_results).filter((t) => t.status === 'skipped')).toHaveLength(4);
      a.child.kill('SIGTERM');
      await a.exited();
    } finally {
      await stop(rt);
    }
  });

  it('after a coordinator dies, the resumed run cancels on the runtime the attempt the dead one had sent, and runs it anew', async () => {
    const log = join(storage, 'coordinator-crash.log');
    const db = join(storage, 'coordinator-crash.db');
    const plan = join(storage, 'one-task.json');
    // The example plan cut down to task_1 (its groups and counts go with the other tasks).
    const example = examplePlan() as {
      output: { content: { workflow: Record<string, unknown> & { tasks: Record<string, unknown> } } };
    };
    const { tasks } = example.output.content.workflow;
    example.output.content.workflow = { tasks: { task_1: tasks.task_1 } };
    writeFileSync(plan, JSON.stringify(example));
    const rp = await startRuntimeProcess(server.url, ['--agents', SLOW_AGENTS, '--threads', '1'], {
      ...env(1500),
      SLOW_AGENT_LOG: log,
    });
    processes.push(rp);
    const starts = () =>
      (existsSync(log) ? readFileSync(log, 'utf8') : '').split('\n').filter((l) => l.includes(' start task_1 1'));
    const ends = () =>
      (existsSync(log) ? readFileSync(log, 'utf8') : '').split('\n').filter((l) => l.includes(' end task_1 1'));
    // The first coordinator: the CLI, killed once its attempt runs on the runtime.
    const first = spawn(
      process.execPath,
      [
        BIN,
        'run',
        plan,
        '--nats',
        server.url,
        '--threads',
        '0',
        '--wait-runtimes',
        '1',
        '--db',
        db,
        '--run-id',
        'orphaned',
      ],
      { stdio: 'ignore' },
    );
    await vi.waitFor(() => expect(starts()).toHaveLength(1), { timeout: 10_000, interval: 25 });
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const store = SqliteStore.open(db, { mode: 'existing' });
    const bus = await natsBus({ servers: server.url, reconnectTimeWait: 50 });
    const rt = await createRuntime({
      agents: [],
      pool: { maxThreads: 0 },
      bus,
      store,
      heartbeatMs: 1000,
      taskTimeoutMs: 20_000,
      logger: quiet,
    });
    try {
      await rt.waitForRuntimes(1, 10_000);
      const result = await rt.resume('orphaned').result;
      expect(result.status).toBe('complete');
      // Attempt 1 ran twice (at-least-once), but the first was cancelled: only the second ended.
      expect(starts()).toHaveLength(2);
      expect(ends()).toHaveLength(1);
    } finally {
      await stop(rt);
      store.close();
    }
  });

  it('answers malformed messages from a foreign client with a coded error, and keeps working', async () => {
    const a = await runtimeProcess(['--threads', '1'], 10);
    const rt = await coordinator();
    const foreign = await connect({ servers: server.url, name: 'foreign' });
    try {
      await rt.waitForRuntimes(1, 10_000);
      const ask = async (subject: string, payload: string) =>
        JSON.parse((await foreign.request(subject, payload, { timeout: 3000 })).string()) as {
          type: string;
          code: string;
          message: string;
        };
      const trigger = 'switchyard.commands.agent.wf-x.trigger.execution_agent';
      // A trigger that is not JSON, one that is JSON but not a TriggerAgent, and an empty batch.
      expect(await ask(trigger, 'not json {')).toMatchObject({ type: 'Error', code: 'INVALID_INPUT' });
      expect(await ask(trigger, '{"type":"TriggerAgent","request_id":7}')).toMatchObject({
        type: 'Error',
        code: 'INVALID_INPUT',
      });
      expect(await ask(trigger, '{"type":"TriggerAgentBatch","triggers":[]}')).toMatchObject({
        type: 'Error',
        code: 'INVALID_INPUT',
      });
      // Straight at a runtime's execute subject, and a bogus registration.
      expect(await ask(`switchyard.commands.runtime.${a.runtimeIds[0]}.execute`, '[1,2,3]')).toMatchObject({
        type: 'Error',
        code: 'INVALID_INPUT',
      });
      expect(
        await ask('switchyard.events.agent.definition.evil.registered', '{"type":"AgentRuntimeRegistered"}'),
      ).toMatchObject({ type: 'Error', code: 'INVALID_INPUT' });
      // Nothing is acknowledged before it is checked: a bad body on a results subject is refused, never ResultsAccepted.
      for (const body of ['null', '[]', '{"type":"AgentExecutionResultBatch","res', '{"type":"Hello"}']) {
        expect(await ask(`switchyard.events.agent.runtime.${a.runtimeIds[0]}.results`, body)).toMatchObject({
          type: 'Error',
          code: 'INVALID_INPUT',
        });
      }
      foreign.publish('switchyard.events.agent.runtime.evil.results', 'garbage');
      foreign.publish('switchyard.events.agent.definition.evil.heartbeat', '{}');
      foreign.publish('switchyard.events.workflow.evil.step', '{"type":"RunStep"}');
      await foreign.flush();
      // Nothing crashed: a run still completes on the same runtime process.
      const result = await rt.submit(examplePlan()).result;
      expect(result.status).toBe('complete');
      expect(a.child.exitCode).toBeNull();
      a.child.kill('SIGTERM');
      await a.exited();
    } finally {
      await foreign.close();
      await stop(rt);
    }
  });
});
