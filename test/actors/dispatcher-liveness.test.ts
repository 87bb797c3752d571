import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Dispatcher } from '../../src/actors/dispatcher.js';
import { systemScheduler } from '../../src/core/scheduler.js';
import {
  type AgentExecutionResult,
  type Dispatch,
  InProcessBus,
  subjects,
  type TriggerAgent,
} from '../../src/index.js';

const s = subjects();
const AT = '2026-02-21T10:00:00Z';
const SWEEP_MS = 500;

const dispatch: Dispatch = {
  task_id: 'task_1',
  action: 'x',
  capability_ids: ['CAP-PRE-001'],
  input_refs_resolved: [],
  output_refs_expected: [],
  execution_group: 1,
  attempt: 1,
  workflow_progress: { total_tasks: 1, completed: 0, in_progress: 1, pending: 0, failed: 0 },
};
const trigger: TriggerAgent = {
  type: 'TriggerAgent',
  request_id: 'req-1',
  workflow_id: 'wf',
  agent_id: 'execution_agent',
  task_id: 'task_1',
  attempt: 1,
  dispatch,
  at: AT,
};

/**
 * The sweep's timer is ticked by hand at chosen clock readings: a tick at a reading later than
 * its interval is a timer that ran late because this process's event loop was busy, before the
 * heartbeats that arrived meanwhile were read (they are published after the tick).
 */
describe('Dispatcher liveness when the coordinator itself stalls', () => {
  let now = 0;
  let bus: InProcessBus;
  let dispatcher: Dispatcher;
  let tick: (() => void) | undefined;
  let lost: AgentExecutionResult[];
  let gone: unknown[];

  const heartbeat = () =>
    bus.publish(s.heartbeat('rt-a'), {
      type: 'RuntimeHeartbeat',
      runtime_id: 'rt-a',
      in_flight: 1,
      capacity: 2,
      at: AT,
    });
  /** Runs the sweep timer at `at` and lets what it published be delivered. */
  const sweepAt = async (at: number) => {
    now = at;
    tick!();
    await bus.flush();
  };

  beforeEach(async () => {
    now = 0;
    lost = [];
    gone = [];
    bus = new InProcessBus({ scheduler: { ...systemScheduler, now: () => now } });
    dispatcher = new Dispatcher({
      bus,
      subjects: s,
      logger: pino({ level: 'silent' }),
      clock: () => now,
      sweepMs: SWEEP_MS,
      every: (ms, fn) => {
        expect(ms).toBe(SWEEP_MS);
        tick = fn;
        return () => (tick = undefined);
      },
    });
    bus.subscribe(s.patterns.results(), (m) => void lost.push(m.data as AgentExecutionResult));
    bus.subscribe(s.deregistered('rt-a'), (m) => void gone.push(m.data));
    // One runtime heartbeating every second (defunct after 3 missed beats), running one attempt.
    bus.publish(s.registered('rt-a'), {
      type: 'AgentRuntimeRegistered',
      runtime_id: 'rt-a',
      agents: [{ agent_id: 'execution_agent', capabilities: ['CAP-PRE-*'] }],
      capacity: 2,
      heartbeat_interval_ms: 1000,
      subjects: [s.execute('rt-a')],
      at: AT,
    });
    await bus.flush();
    await bus.request(s.trigger('wf', 'execution_agent'), trigger, { timeoutMs: 1000 });
    await sweepAt(SWEEP_MS);
  });
  afterEach(async () => {
    dispatcher.close();
    await bus.close();
  });

  it('keeps a runtime whose heartbeats wait unread behind a sweep that ran 7.5 s late', async () => {
    await sweepAt(8000);
    expect(dispatcher.registry.get('rt-a')).toBeDefined();
    // The heartbeats queued during the stall are read after the late sweep; the next one runs on time.
    heartbeat();
    await bus.flush();
    await sweepAt(8000 + SWEEP_MS);
    expect(dispatcher.registry.get('rt-a')).toBeDefined();
    expect(gone).toEqual([]);
    expect(lost).toEqual([]);
  });

  it('still declares defunct a runtime that really went silent, once three beats pass in time it could observe', async () => {
    // Last seen at 0; the stall from 500 to 8000 is credited: it counts as seen at 7000.
    await sweepAt(8000);
    for (let at = 8000 + SWEEP_MS; at <= 10_000; at += SWEEP_MS) await sweepAt(at);
    expect(dispatcher.registry.get('rt-a')).toBeDefined();
    await sweepAt(10_500);
    expect(dispatcher.registry.get('rt-a')).toBeUndefined();
    expect(gone).toMatchObject([{ reason: 'defunct', in_flight: ['req-1'] }]);
    expect(lost).toMatchObject([
      { request_id: 'req-1', outcome: { status: 'failed', error: { code: 'RUNTIME_LOST', recoverable: true } } },
    ]);
  });

  it('judges a runtime at the edge of its silence when the stall began only after the waiting heartbeats were read', async () => {
    for (let at = 2 * SWEEP_MS; at <= 3000; at += SWEEP_MS) await sweepAt(at);
    // Due at 3500, the sweep runs at 9000: even credited, the runtime was 3.5 s silent when it was due.
    await sweepAt(9000);
    expect(dispatcher.registry.get('rt-a')).toBeDefined();
    heartbeat();
    await bus.flush();
    await sweepAt(9000 + SWEEP_MS);
    expect(dispatcher.registry.get('rt-a')).toBeDefined();
    expect(lost).toEqual([]);
  });

  it('still finds a runtime that stopped when every sweep runs late (a machine loaded for good)', async () => {
    // Each sweep 300 ms late: 500 ms of every 800 count as observed, and every other sweep judges.
    let at = SWEEP_MS;
    while (dispatcher.registry.get('rt-a') && at < 60_000) await sweepAt((at += SWEEP_MS + 300));
    expect(dispatcher.registry.get('rt-a')).toBeUndefined();
    // Observed silence past three beats (3000 ms of 500 per 800): from 4800 on, at the first sweep that judges.
    expect(at).toBeGreaterThan(4800);
    expect(at).toBeLessThanOrEqual(4800 + 2 * (SWEEP_MS + 300));
    expect(lost).toMatchObject([{ request_id: 'req-1', outcome: { error: { code: 'RUNTIME_LOST' } } }]);
  });

  it('judges on-time sweeps as before: three missed beats and the runtime is defunct', async () => {
    for (let at = 2 * SWEEP_MS; at <= 3000; at += SWEEP_MS) await sweepAt(at);
    expect(dispatcher.registry.get('rt-a')).toBeDefined();
    await sweepAt(3500);
    expect(dispatcher.registry.get('rt-a')).toBeUndefined();
    expect(lost).toMatchObject([{ request_id: 'req-1', outcome: { error: { code: 'RUNTIME_LOST' } } }]);
  });
});
