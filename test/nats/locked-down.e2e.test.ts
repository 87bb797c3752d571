import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type NatsConnection, PermissionViolationError } from '@nats-io/transport-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentExecutionResult, createRuntime, type Runtime } from '../../src/index.js';
import type { TriggerAgentBatch } from '../../src/protocol/runtime-events.js';
import { natsBus } from '../../src/nats.js';
import { examplePlan } from '../helpers/fixtures.js';
import { startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';
import { type RuntimeProcess, startRuntimeProcess } from '../helpers/runtime-process.js';

// The configuration shipped in the package, as an operator would start it.
const CONFIG = fileURLToPath(new URL('../../docs/nats/locked-down.conf', import.meta.url));
const SLOW_AGENTS = fileURLToPath(new URL('../fixtures/agents/slow-example-agents.mjs', import.meta.url));
const PASS = { coordinator: 'coordinator-secret', a: 'runtime-a-secret', b: 'runtime-b-secret' };
const work = mkdtempSync(join(tmpdir(), 'switchyard-locked-'));
const serverLog = join(work, 'nats-server.log');
const encode = (data: unknown) => JSON.stringify(data);

let server: TestNatsServer;
let runtimeA: RuntimeProcess | undefined;
const connections: NatsConnection[] = [];
let rt: Runtime | undefined;

beforeAll(async () => {
  server = await startNatsServer({
    config: CONFIG,
    log: serverLog,
    env: {
      SWITCHYARD_COORDINATOR_PASS: PASS.coordinator,
      SWITCHYARD_RUNTIME_A_PASS: PASS.a,
      SWITCHYARD_RUNTIME_B_PASS: PASS.b,
    },
  });
});
// Everything this file started goes, also when a test timed out.
afterAll(async () => {
  if (rt) {
    await rt.close({ cancel: true });
    await rt.bus.close();
  }
  await Promise.all(connections.map((nc) => nc.close()));
  if (runtimeA && runtimeA.child.exitCode === null) runtimeA.child.kill('SIGKILL');
  await runtimeA?.exited();
  await server.stop();
  rmSync(work, { recursive: true, force: true });
});

/** The permission violation inside a rejected request's error, if that is what it is. */
function violationOf(error: unknown): PermissionViolationError | undefined {
  if (error instanceof PermissionViolationError) return error;
  const cause = (error as { cause?: unknown } | null)?.cause;
  return cause instanceof PermissionViolationError ? cause : undefined;
}

/** Resolves with the permission violation the server reports to `nc` for `subject`. */
async function violationFor(nc: NatsConnection, subject: string): Promise<PermissionViolationError> {
  for await (const status of nc.status()) {
    if (status.type === 'error' && status.error instanceof PermissionViolationError && status.error.subject === subject)
      return status.error;
  }
  throw new Error(`the connection closed before the server refused ${subject}`);
}

describe('a nats-server locked down with docs/nats/locked-down.conf', () => {
  it('refuses a runtime user publishing another runtime’s results and deregistration, while the run completes', async () => {
    runtimeA = await startRuntimeProcess(
      server.url,
      [
        '--agents',
        SLOW_AGENTS,
        '--nats-user',
        'runtime-a',
        '--nats-pass',
        PASS.a,
        '--runtime-prefix',
        'rta',
        '--threads',
        '2',
      ],
      { SWITCHYARD_STORAGE: work, SLOW_AGENT_DELAY_MS: '40' },
    );
    expect(runtimeA.runtimeIds.sort()).toEqual(['rta-t1', 'rta-t2']);

    // A coordinator-user connection sees everything that reaches the server's subscribers.
    const observer = await connect({ servers: server.url, user: 'coordinator', pass: PASS.coordinator });
    connections.push(observer);
    const seen: Array<{ subject: string; data: Record<string, unknown> }> = [];
    let firstTrigger: (value: { runtimeId: string; batch: TriggerAgentBatch }) => void = () => undefined;
    const triggered = new Promise<{ runtimeId: string; batch: TriggerAgentBatch }>(
      (resolve) => (firstTrigger = resolve),
    );
    let markerSeen: () => void = () => undefined;
    const marker = new Promise<void>((resolve) => (markerSeen = resolve));
    observer.subscribe('switchyard.>', {
      callback: (_error, msg) => {
        const data = msg.json<Record<string, unknown>>();
        seen.push({ subject: msg.subject, data });
        const execute = /^switchyard\.commands\.runtime\.(rta-t\d)\.execute$/u.exec(msg.subject);
        if (execute) firstTrigger({ runtimeId: execute[1], batch: data as unknown as TriggerAgentBatch });
        if (data.request_id === 'forgery-marker') markerSeen();
      },
    });
    await observer.flush();

    const bus = await natsBus({
      servers: server.url,
      user: 'coordinator',
      pass: PASS.coordinator,
      reconnectTimeWait: 50,
    });
    rt = await createRuntime({
      agents: [],
      pool: { maxThreads: 0 },
      bus,
      taskTimeoutMs: 20_000,
      logger: pino({ level: 'silent' }),
    });
    await rt.waitForRuntimes(2, 10_000);
    const run = rt.submit(examplePlan());
    const results: AgentExecutionResult[] = [];
    run.on('result', (r) => results.push(r));

    // Runtime B's user, knowing a live attempt placed on runtime A, forges what would undo it.
    const { runtimeId, batch } = await triggered;
    const victim = batch.triggers[0];
    const attacker = await connect({ servers: server.url, user: 'runtime-b', pass: PASS.b });
    connections.push(attacker);
    const resultsSubject = `switchyard.events.agent.runtime.${runtimeId}.results`;
    const deregisterSubject = `switchyard.events.agent.definition.${runtimeId}.deregistered`;
    const forgedResult = {
      type: 'AgentExecutionResultBatch',
      forged: true,
      results: [
        {
          type: 'AgentExecutionResult',
          request_id: victim.request_id,
          workflow_id: victim.workflow_id,
          task_id: victim.task_id,
          attempt: victim.attempt,
          runtime_id: runtimeId,
          outcome: { status: 'failed', error: { code: 'FORGED', message: 'forged', recoverable: false } },
          at: new Date().toISOString(),
        },
      ],
    };
    const refusedResult = await attacker.request(resultsSubject, encode(forgedResult), { timeout: 5000 }).then(
      () => undefined,
      (error: unknown) => violationOf(error),
    );
    expect(refusedResult).toMatchObject({ operation: 'publish', subject: resultsSubject });

    const refusedDeregistration = violationFor(attacker, deregisterSubject);
    attacker.publish(
      deregisterSubject,
      encode({
        type: 'AgentRuntimeDeregistered',
        forged: true,
        runtime_id: runtimeId,
        reason: 'shutdown',
        in_flight: [victim.request_id],
        at: new Date().toISOString(),
      }),
    );
    expect(await refusedDeregistration).toMatchObject({ operation: 'publish', subject: deregisterSubject });

    // Nor may it read that runtime's triggers.
    const spy = attacker.subscribe(`switchyard.commands.runtime.${runtimeId}.execute`);
    expect(violationOf(await spy.closed)).toMatchObject({ operation: 'subscription' });

    // What runtime B may send gets through: the observer sees the marker after anything the
    // same connection sent before it, so it would have seen the forgeries first.
    attacker.publish(
      'switchyard.events.agent.instance.forgery-marker.progress',
      encode({ request_id: 'forgery-marker', message: 'after the forgeries', at: new Date().toISOString() }),
    );
    await marker;
    expect(seen.filter((m) => m.data.forged === true)).toEqual([]);

    const result = await run.result;
    expect(result.status).toBe('complete');
    // Every task once, on runtime A's runtimes: no forged failure, no RUNTIME_LOST retry.
    expect(Object.values(result.task_results).map((t) => t.attempts)).toEqual(Array(12).fill(1));
    expect(
      results.every((r) => r.outcome.status === 'complete' && (r.runtime_id === 'rta-t1' || r.runtime_id === 'rta-t2')),
    ).toBe(true);
    expect(
      rt.dispatcher.registry
        .runtimes()
        .map((r) => r.runtimeId)
        .sort(),
    ).toEqual(['rta-t1', 'rta-t2']);

    // The coordinator and runtime A, working, never met a refusal: the file grants all they need.
    const refusals = readFileSync(serverLog, 'utf8')
      .split('\n')
      .filter((line) => /violation/iu.test(line));
    expect(refusals.length).toBeGreaterThanOrEqual(3);
    expect(refusals.filter((line) => !line.includes('"runtime-b"'))).toEqual([]);
  }, 90_000);
});
