import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedScheduler } from '../../src/core/scheduler.js';
import { createRuntime, type Runtime, subjects } from '../../src/index.js';

const s = subjects();
const register = (rt: Runtime, runtimeId: string) =>
  rt.bus.publish(s.registered(runtimeId), {
    type: 'AgentRuntimeRegistered',
    runtime_id: runtimeId,
    agents: [{ agent_id: 'execution_agent', capabilities: ['CAP-PRE-*'] }],
    capacity: 1,
    subjects: [s.execute(runtimeId)],
    at: new Date().toISOString(),
  });

describe('Runtime.waitForRuntimes, on the runtime scheduler', () => {
  let rt: Runtime | undefined;
  afterEach(async () => {
    await rt?.close({ cancel: true });
    rt = undefined;
  });

  it('resolves on the registration that makes the count, with no time passing', async () => {
    const time = new SimulatedScheduler(0);
    rt = await createRuntime({
      agents: [],
      pool: { maxThreads: 0 },
      logger: pino({ level: 'silent' }),
      scheduler: time,
    });
    let ready = false;
    const waiting = rt.waitForRuntimes(2, 5_000).then(() => (ready = true));
    register(rt, 'remote-1');
    await rt.bus.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(ready).toBe(false);
    register(rt, 'remote-2');
    await waiting;
    expect(time.now()).toBe(0);
  });

  it("rejects REQUEST_TIMEOUT, saying how many came, once timeoutMs of the scheduler's time has passed", async () => {
    const time = new SimulatedScheduler(0);
    rt = await createRuntime({
      agents: [],
      pool: { maxThreads: 0 },
      logger: pino({ level: 'silent' }),
      scheduler: time,
    });
    register(rt, 'remote-1');
    let outcome: unknown;
    const waiting = rt.waitForRuntimes(2, 5_000).then(
      () => (outcome = 'resolved'),
      (error: unknown) => (outcome = error),
    );
    await time.advanceAsync(4_999);
    expect(outcome).toBeUndefined();
    await time.advanceAsync(1);
    await waiting;
    // (How many it says came is not asserted: with the dispatcher on this scheduler too, the
    // silent remote-1 may have been expired by then.)
    expect(outcome).toMatchObject({ code: 'REQUEST_TIMEOUT', details: { expected: 2 } });
  });
});
