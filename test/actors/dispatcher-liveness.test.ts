import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Dispatcher } from '../../src/actors/dispatcher.js';
import { type Scheduler, SimulatedScheduler, type Timer } from '../../src/core/scheduler.js';
import { type AgentExecutionResult, InProcessBus, subjects } from '../../src/index.js';
import { AT, registration, testDispatcher, trigger } from '../helpers/dispatcher-rig.js';

const s = subjects();
const SWEEP_MS = 500;

/**
 * Simulated time in which this process's event loop can stall: {@link stall} moves the clock on
 * without running any timer, as a busy loop does, so the timers due meanwhile run late — before
 * the messages that arrived during the stall are read.
 */
class StallingScheduler implements Scheduler {
  readonly #timers = new SimulatedScheduler(0);
  #stalled = 0;

  now(): number {
    return this.#timers.now() + this.#stalled;
  }
  setTimeout(fn: () => void, ms: number): Timer {
    return this.#timers.setTimeout(fn, ms);
  }
  clearTimeout(timer: Timer | undefined): void {
    this.#timers.clearTimeout(timer);
  }
  /** The loop is busy for `ms`: time passes, no timer runs. */
  stall(ms: number): void {
    this.#stalled += ms;
  }
  /** Lets time run to the next timer and runs it; returns the reading it ran at. */
  runNext(): number {
    const due = this.#timers.nextDue;
    if (due === undefined) throw new Error('no timer is pending');
    this.#timers.advance(due - this.#timers.now());
    return this.now();
  }
  /** The reading at which the next timer runs unless the loop stalls first. */
  get nextDue(): number | undefined {
    const due = this.#timers.nextDue;
    return due === undefined ? undefined : due + this.#stalled;
  }
}

/**
 * The sweep runs on its timer at chosen clock readings: a sweep at a reading later than its
 * interval is a timer that ran late because this process's event loop was busy, before the
 * heartbeats that arrived meanwhile were read (they are published after the sweep).
 */
describe('Dispatcher liveness when the coordinator itself stalls', () => {
  let time: StallingScheduler;
  let bus: InProcessBus;
  let dispatcher: Dispatcher;
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
  /** Lets the sweep timer run at reading `at` (late, after a stall, when `at` is past its due time) and delivers what it published. */
  const sweepAt = async (at: number) => {
    const due = time.nextDue!;
    expect(at).toBeGreaterThanOrEqual(due);
    time.stall(at - due);
    expect(time.runNext()).toBe(at);
    await bus.flush();
  };

  beforeEach(async () => {
    time = new StallingScheduler();
    lost = [];
    gone = [];
    bus = new InProcessBus({ scheduler: time });
    dispatcher = testDispatcher(bus, time, { sweepMs: SWEEP_MS });
    expect(time.nextDue).toBe(SWEEP_MS);
    bus.subscribe(s.patterns.results(), (m) => void lost.push(m.data as AgentExecutionResult));
    bus.subscribe(s.deregistered('rt-a'), (m) => void gone.push(m.data));
    // One runtime heartbeating every second (defunct after 3 missed beats), running one attempt.
    bus.publish(s.registered('rt-a'), registration('rt-a', 2, { heartbeatMs: 1000 }));
    await bus.flush();
    await bus.request(s.trigger('wf', 'execution_agent'), trigger('1'), { timeoutMs: 1000 });
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

describe('Dispatcher liveness on simulated time', () => {
  it('declares a runtime that stops heartbeating lost at the first sweep past three missed beats, not a millisecond before', async () => {
    const time = new SimulatedScheduler(0);
    const bus = new InProcessBus({ scheduler: time });
    const dispatcher = testDispatcher(bus, time, { sweepMs: 50 });
    try {
      const lost: AgentExecutionResult[] = [];
      const gone: unknown[] = [];
      bus.subscribe(s.patterns.results(), (m) => void lost.push(m.data as AgentExecutionResult));
      bus.subscribe(s.deregistered('rt-a'), (m) => void gone.push(m.data));
      bus.publish(s.registered('rt-a'), registration('rt-a', 2, { heartbeatMs: 1000 }));
      await bus.flush();
      await bus.request(s.trigger('wf', 'execution_agent'), trigger('1'), { timeoutMs: 1000 });
      // Heartbeats at 1000 and 2000, then silence: lost once more than 3000 ms pass after 2000.
      for (let beat = 1; beat <= 2; beat++) {
        time.advance(1000);
        bus.publish(s.heartbeat('rt-a'), {
          type: 'RuntimeHeartbeat',
          runtime_id: 'rt-a',
          in_flight: 1,
          capacity: 2,
          at: AT,
        });
        await bus.flush();
      }
      time.advance(3000);
      await bus.flush();
      expect(time.now()).toBe(5000);
      expect(dispatcher.registry.get('rt-a')).toBeDefined();
      time.advance(49);
      await bus.flush();
      expect(dispatcher.registry.get('rt-a')).toBeDefined();
      expect(gone).toEqual([]);
      // The sweep at 5050 is the first to see more than 3000 ms of silence.
      time.advance(1);
      await bus.flush();
      expect(dispatcher.registry.get('rt-a')).toBeUndefined();
      expect(gone).toMatchObject([{ reason: 'defunct', in_flight: ['req-1'] }]);
      expect(lost).toMatchObject([
        { request_id: 'req-1', outcome: { status: 'failed', error: { code: 'RUNTIME_LOST', recoverable: true } } },
      ]);
    } finally {
      dispatcher.close();
      await bus.close();
    }
  });
});
