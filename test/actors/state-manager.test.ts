import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { StateManager } from '../../src/actors/state-manager.js';
import { InProcessBus } from '../../src/bus/in-process-bus.js';
import { SimulatedScheduler } from '../../src/core/scheduler.js';
import { ErrorCodes, SwitchyardError } from '../../src/protocol/errors.js';
import { subjects } from '../../src/protocol/subjects.js';
import { vet } from '../../src/protocol/vetted.js';
import { MemoryStore } from '../../src/store/memory-store.js';

const s = subjects();
const silent = pino({ level: 'silent' });

describe('StateManager on simulated time', () => {
  let bus: InProcessBus;
  let manager: StateManager | undefined;
  afterEach(async () => {
    manager?.close();
    await bus.close();
  });

  /** A memory store that notes the time of every lease it grants, and refuses them once `refuse` is set. */
  function notingStore(time: SimulatedScheduler) {
    const store = new MemoryStore();
    const leases: Array<{ run: string; at: number }> = [];
    const gate = { refuse: false };
    const acquire = store.acquireLease.bind(store);
    store.acquireLease = (runId, holder, now, ttlMs, isStale) => {
      if (gate.refuse) throw new SwitchyardError(ErrorCodes.RUN_LOCKED, `Run ${runId} is held elsewhere.`);
      leases.push({ run: runId, at: time.now() });
      expect(now).toBe(time.now());
      acquire(runId, holder, now, ttlMs, isStale);
    };
    return { store, leases, gate };
  }

  it('renews the leases it holds every third of their lifetime, on the scheduler’s time', () => {
    bus = new InProcessBus();
    const time = new SimulatedScheduler(1_000_000);
    const { store, leases } = notingStore(time);
    manager = new StateManager({ bus, subjects: s, store, logger: silent, scheduler: time, leaseTtlMs: 3000 });
    time.advance(500);
    manager.claim('r1');
    expect(store.getLease('r1')?.expires_at).toBe(1_000_500 + 3000);
    time.advance(499);
    expect(leases.map((l) => l.at)).toEqual([1_000_500]);
    time.advance(1);
    expect(leases.map((l) => l.at)).toEqual([1_000_500, 1_001_000]);
    expect(store.getLease('r1')?.expires_at).toBe(1_001_000 + 3000);
    time.advance(2000);
    expect(leases.map((l) => l.at)).toEqual([1_000_500, 1_001_000, 1_002_000, 1_003_000]);
    manager.release('r1');
    time.advance(5000);
    expect(leases).toHaveLength(4);
    manager.close();
    manager = undefined;
    // Closed: nothing keeps renewing.
    expect(time.pending).toBe(0);
  });

  it('tells when a lease could not be renewed, and stops renewing it', () => {
    bus = new InProcessBus();
    const time = new SimulatedScheduler(0);
    const { store, leases, gate } = notingStore(time);
    const lost: Array<{ runId: string; code: string }> = [];
    manager = new StateManager({
      bus,
      subjects: s,
      store,
      logger: silent,
      scheduler: time,
      leaseTtlMs: 30_000,
      onLeaseLost: (runId, error) => void lost.push({ runId, code: error.code }),
    });
    manager.claim('r1');
    gate.refuse = true;
    time.advance(9_999);
    expect(lost).toEqual([]);
    time.advance(1);
    expect(lost).toEqual([{ runId: 'r1', code: 'RUN_LOCKED' }]);
    gate.refuse = false;
    time.advance(30_000);
    expect(leases.map((l) => l.at)).toEqual([0]);
  });

  it('records runtime events at the scheduler’s time, and not a malformed one', async () => {
    bus = new InProcessBus();
    const time = new SimulatedScheduler(42_000);
    const store = new MemoryStore();
    manager = new StateManager({ bus, subjects: s, store, logger: silent, scheduler: time });
    const left = {
      type: 'AgentRuntimeDeregistered',
      runtime_id: 'rt-a',
      reason: 'shutdown',
      at: '2026-02-21T10:00:00Z',
    };
    bus.publish(s.deregistered('rt-a'), { ...left, runtime_id: 7 });
    bus.publish(s.deregistered('rt-a'), left);
    bus.publish(s.deregistered('rt-b'), vet({ ...left, runtime_id: 'rt-b' }));
    await bus.flush();
    expect(store.runtimeEvents(10).map((e) => [e.type, e.runtime_id, e.at])).toEqual(
      expect.arrayContaining([
        ['AgentRuntimeDeregistered', 'rt-a', 42_000],
        ['AgentRuntimeDeregistered', 'rt-b', 42_000],
      ]),
    );
    expect(store.runtimeEvents(10)).toHaveLength(2);
  });
});
