import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bus, type BusMessage, createRuntime, subjects, type TriggerAgent } from '../../src/index.js';
import type { TriggerAgentBatch } from '../../src/protocol/runtime-events.js';
import { natsBus } from '../../src/nats.js';
import { planWith, TEST_AGENTS } from '../helpers/fixtures.js';
import { startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';

// A thousand forged and malformed messages on the subjects of a live run — registrations,
// deregistrations and heartbeats naming its local worker runtimes, results naming its live
// attempts with one field changed (or none), placements, junk — change nothing: the run ends
// `complete`, every task in one attempt, and both local runtimes stay registered.

const s = subjects();
const AT = '2026-02-21T10:00:00Z';
const FLOOD = 1000;

/** What the flood is made of, drawn once from a seeded generator and filled in with the ids of the live run. */
type Forgery =
  | { kind: 'registered'; runtime: number; capacity: number; inFlight: number[] | null }
  | { kind: 'deregistered'; runtime: number; reason: 'shutdown' | 'defunct'; inFlight: number[] }
  | { kind: 'heartbeat'; runtime: number; inFlight: number }
  | {
      kind: 'result';
      runtime: number;
      attempt: number;
      change: 'none' | 'attempt' | 'task_id' | 'workflow_id' | 'runtime_id' | 'subject';
      recoverable: boolean;
    }
  | { kind: 'lost'; attempt: number }
  | { kind: 'placed'; attempt: number }
  | { kind: 'junk'; subject: number; body: unknown };

const forgery: fc.Arbitrary<Forgery> = fc.oneof(
  fc.record({
    kind: fc.constant('registered' as const),
    runtime: fc.nat(1),
    capacity: fc.integer({ min: 1, max: 8 }),
    inFlight: fc.option(fc.array(fc.nat(20), { maxLength: 3 }), { nil: null }),
  }),
  fc.record({
    kind: fc.constant('deregistered' as const),
    runtime: fc.nat(1),
    reason: fc.constantFrom('shutdown' as const, 'defunct' as const),
    inFlight: fc.array(fc.nat(20), { maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('heartbeat' as const), runtime: fc.nat(1), inFlight: fc.nat(4) }),
  fc.record({
    kind: fc.constant('result' as const),
    runtime: fc.nat(1),
    attempt: fc.nat(20),
    change: fc.constantFrom(
      'none' as const,
      'attempt' as const,
      'task_id' as const,
      'workflow_id' as const,
      'runtime_id' as const,
      'subject' as const,
    ),
    recoverable: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('lost' as const), attempt: fc.nat(20) }),
  fc.record({ kind: fc.constant('placed' as const), attempt: fc.nat(20) }),
  fc.record({
    kind: fc.constant('junk' as const),
    subject: fc.nat(5),
    body: fc.oneof(
      fc.constant(null),
      fc.constant([]),
      fc.string(),
      fc.jsonValue({ maxDepth: 2 }),
      fc.record({
        type: fc.constantFrom('AgentExecutionResultBatch', 'AgentRuntimeRegistered', 'RuntimeHeartbeat', 'Hello'),
      }),
    ),
  }),
);

/** The flood as bus messages: `runtimes` are the local runtime ids, `live` the triggers the run sent so far. */
function messages(
  forgeries: readonly Forgery[],
  runtimes: readonly string[],
  live: readonly TriggerAgent[],
): Array<[string, unknown]> {
  const pick = (i: number) => live[i % live.length];
  const ids = (list: readonly number[]) => list.map((i) => pick(i).request_id);
  return forgeries.map((f): [string, unknown] => {
    switch (f.kind) {
      case 'registered': {
        const id = runtimes[f.runtime];
        return [
          s.registered(id),
          {
            type: 'AgentRuntimeRegistered',
            runtime_id: id,
            agents: [{ agent_id: 'execution_agent', capabilities: ['CAP-*'] }],
            capacity: f.capacity,
            ...(f.inFlight ? { in_flight: ids(f.inFlight) } : {}),
            at: AT,
          },
        ];
      }
      case 'deregistered': {
        const id = runtimes[f.runtime];
        return [
          s.deregistered(id),
          { type: 'AgentRuntimeDeregistered', runtime_id: id, reason: f.reason, in_flight: ids(f.inFlight), at: AT },
        ];
      }
      case 'heartbeat': {
        const id = runtimes[f.runtime];
        return [
          s.heartbeat(id),
          { type: 'RuntimeHeartbeat', runtime_id: id, in_flight: f.inFlight, capacity: 4, at: AT },
        ];
      }
      case 'result': {
        const t = pick(f.attempt);
        const id = runtimes[f.runtime];
        const result = {
          type: 'AgentExecutionResult',
          request_id: t.request_id,
          workflow_id: f.change === 'workflow_id' ? 'another-run' : t.workflow_id,
          task_id: f.change === 'task_id' ? 'task_999' : t.task_id,
          attempt: f.change === 'attempt' ? t.attempt + 7 : t.attempt,
          runtime_id: f.change === 'runtime_id' ? 'evil' : id,
          outcome: { status: 'failed', error: { code: 'FORGED', message: 'forged', recoverable: f.recoverable } },
          at: AT,
        };
        return [
          s.results(f.change === 'subject' ? 'evil' : id),
          { type: 'AgentExecutionResultBatch', results: [result] },
        ];
      }
      case 'lost': {
        const t = pick(f.attempt);
        return [
          s.result(t.request_id),
          {
            type: 'AgentExecutionResult',
            request_id: t.request_id,
            workflow_id: t.workflow_id,
            task_id: t.task_id,
            attempt: t.attempt,
            runtime_id: null,
            outcome: { status: 'failed', error: { code: 'RUNTIME_LOST', message: 'forged', recoverable: false } },
            at: AT,
          },
        ];
      }
      case 'placed': {
        const t = pick(f.attempt);
        return [
          s.placed(t.request_id),
          { type: 'TriggerPlaced', request_id: t.request_id, runtime_id: 'evil', at: AT },
        ];
      }
      case 'junk': {
        const id = runtimes[f.subject % runtimes.length];
        const subject = [
          s.registered(id),
          s.deregistered(id),
          s.heartbeat(id),
          s.results(id),
          s.result(pick(f.subject).request_id),
          s.trigger(pick(0).workflow_id, 'execution_agent'),
        ][f.subject];
        return [subject, f.body];
      }
    }
  });
}

async function floodedRun(bus: Bus, publish: (subject: string, body: unknown) => void | Promise<void>, seed: number) {
  const rt = await createRuntime({
    agents: [TEST_AGENTS],
    pool: { maxThreads: 2, concurrentTasksPerWorker: 2 },
    bus,
    logger: pino({ level: 'silent' }),
  });
  try {
    await rt.waitForRuntimes(2, 10_000);
    const runtimes = rt.pool!.runtimes().map((h) => h.runtimeId);
    const live: TriggerAgent[] = [];
    let firstTrigger!: () => void;
    const triggered = new Promise<void>((resolve) => (firstTrigger = resolve));
    const watch = bus.subscribe(s.patterns.triggers(), (m: BusMessage) => {
      live.push(...(m.data as TriggerAgentBatch).triggers);
      firstTrigger();
    });
    // Slow enough that attempts are out while the flood arrives.
    const run = rt.submit(planWith({ task_1: '[sleep-50]', task_2: '[sleep-50]' }));
    await triggered;
    for (const [subject, body] of messages(fc.sample(forgery, { numRuns: FLOOD, seed }), runtimes, live))
      await publish(subject, body);
    const result = await run.result;
    watch.unsubscribe();
    expect(result.status).toBe('complete');
    for (const [task, r] of Object.entries(result.task_results)) expect([task, r.attempts]).toEqual([task, 1]);
    expect(
      rt.dispatcher.registry
        .runtimes()
        .map((r) => r.runtimeId)
        .sort(),
    ).toEqual([...runtimes].sort());
  } finally {
    await rt.close({ cancel: true });
  }
}

describe('a thousand forged and malformed messages during a run', () => {
  it.each([1, 2])('change nothing on the in-process bus (seed %i)', async (seed) => {
    const { InProcessBus } = await import('../../src/index.js');
    const bus = new InProcessBus();
    try {
      await floodedRun(bus, (subject, body) => bus.publish(subject, body), seed);
    } finally {
      await bus.close();
    }
  });

  describe('over a real nats-server, from a foreign client', () => {
    let server: TestNatsServer;
    beforeAll(async () => {
      server = await startNatsServer();
    });
    afterAll(async () => server?.stop());

    it.each([1, 2])('change nothing (seed %i)', async (seed) => {
      const { connect } = await import('@nats-io/transport-node');
      const bus = await natsBus({ servers: server.url });
      const foreign = await connect({ servers: server.url, name: 'forger' });
      try {
        await floodedRun(
          bus,
          (subject, body) => foreign.publish(subject, typeof body === 'string' ? body : JSON.stringify(body)),
          seed,
        );
      } finally {
        await foreign.close();
        await bus.close();
      }
    });
  });
});
