import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RunningAttempts } from '../../src/actors/running-attempts.js';
import { type BusMessage, subjects, type TriggerAgent } from '../../src/index.js';
import { completed, dispatcherRig, registration, trigger } from '../helpers/dispatcher-rig.js';

const AGENTS = ['code_writer', 'tester', 'researcher'] as const;
const s = subjects();

type Op = { kind: 'arrive'; agent: number } | { kind: 'complete'; pick: number };

const scenario = fc.record({
  limits: fc.record(
    { code_writer: fc.integer({ min: 1, max: 3 }), tester: fc.integer({ min: 1, max: 2 }) },
    { requiredKeys: [] },
  ),
  capacities: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
  ops: fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('arrive' as const), agent: fc.integer({ min: 0, max: AGENTS.length - 1 }) }),
      fc.record({ kind: fc.constant('complete' as const), pick: fc.nat() }),
    ),
    { maxLength: 40 },
  ),
});

/**
 * A real dispatcher on an in-process bus and simulated time, runtimes serving every agent that
 * record what they are handed and report results when told: the ledger of who runs what.
 */
async function limitedDispatcher(limits: Record<string, number>, capacities: number[]) {
  const rig = dispatcherRig({ agentLimits: limits });
  const handed: { id: string; runtime: string; agent: string }[] = [];
  capacities.forEach((capacity, i) => {
    const id = `rt-${i}`;
    rig.bus.subscribe(s.execute(id), (m: BusMessage) => {
      for (const t of (m.data as { triggers: TriggerAgent[] }).triggers)
        handed.push({ id: t.request_id, runtime: id, agent: t.agent_id });
    });
    rig.bus.publish(s.registered(id), {
      ...registration(id, capacity),
      agents: AGENTS.map((agent_id) => ({ agent_id, capabilities: ['*'] })),
    });
  });
  await rig.bus.flush();
  return { rig, handed };
}

describe('per-agent concurrency limits (agentLimits) at the dispatcher', () => {
  it('never has more attempts of an agent placed than its limit, and places every attempt in the end', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ limits, capacities, ops }) => {
        const { rig, handed } = await limitedDispatcher(limits, capacities);
        const finished = new Set<string>();
        let arrived = 0;
        const inFlight = () => handed.filter((h) => !finished.has(h.id));
        const check = () => {
          for (const [agent, limit] of Object.entries(limits))
            expect(inFlight().filter((h) => h.agent === agent).length).toBeLessThanOrEqual(limit);
        };
        const complete = async (h: { id: string; runtime: string }) => {
          finished.add(h.id);
          rig.bus.publish(s.results(h.runtime), {
            type: 'AgentExecutionResultBatch',
            results: [completed(h.id, h.runtime)],
          });
          await rig.bus.flush();
        };
        for (const op of ops as Op[]) {
          if (op.kind === 'arrive') {
            const id = String(arrived++);
            const agent = AGENTS[op.agent];
            const reply = await rig.bus.request(s.trigger('wf', agent), trigger(id, 'CAP-PRE-001', agent), {
              timeoutMs: 1000,
            });
            expect((reply.data as { type: string }).type).toBe('TriggerAccepted');
            await rig.bus.flush();
          } else {
            const open = inFlight();
            if (open.length > 0) await complete(open[op.pick % open.length]);
          }
          check();
        }
        // Complete what runs until nothing is left: every attempt that arrived was placed and ran.
        for (let open = inFlight(); open.length > 0; open = inFlight()) {
          await complete(open[0]);
          check();
        }
        expect(new Set(handed.map((h) => h.id)).size).toBe(arrived);
        expect(rig.time.now()).toBe(0);
        await rig.close();
      }),
      { numRuns: 60 },
    );
  });

  it('queues what is over the limit (runtime_id null) and places it when an attempt of that agent ends', async () => {
    const { rig, handed } = await limitedDispatcher({ tester: 1 }, [4]);
    const send = async (id: string, agent: string) =>
      (await rig.bus.request(s.trigger('wf', agent), trigger(id, 'CAP-PRE-001', agent), { timeoutMs: 1000 })).data as {
        runtime_id: string | null;
      };
    expect((await send('1', 'tester')).runtime_id).toBe('rt-0');
    expect((await send('2', 'tester')).runtime_id).toBeNull();
    expect((await send('3', 'code_writer')).runtime_id).toBe('rt-0');
    await rig.bus.flush();
    expect(handed.map((h) => h.id)).toEqual(['req-1', 'req-3']);
    rig.bus.publish(s.results('rt-0'), { type: 'AgentExecutionResultBatch', results: [completed('req-1', 'rt-0')] });
    await rig.bus.flush();
    expect(handed.map((h) => h.id)).toEqual(['req-1', 'req-3', 'req-2']);
    await rig.close();
  });
});

describe('RunningAttempts', () => {
  it('counts only agents with a limit, and forgets an attempt once whatever way it leaves', () => {
    const running = new RunningAttempts({ tester: 1 });
    running.set('r1', trigger('1', 'CAP-PRE-001', 'tester'));
    running.set('r1', trigger('1', 'CAP-PRE-001', 'tester'));
    running.set('r2', trigger('2', 'CAP-PRE-001', 'code_writer'));
    expect(running.placedOf('tester')).toBe(1);
    expect(running.admits('tester')).toBe(false);
    expect(running.admits('code_writer')).toBe(true);
    expect(running.placedOf('code_writer')).toBe(0);
    running.delete('r1');
    running.delete('r1');
    expect(running.placedOf('tester')).toBe(0);
    expect(running.admits('tester')).toBe(true);
    expect(new RunningAttempts().admits('tester')).toBe(true);
  });
});
