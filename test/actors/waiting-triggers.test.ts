import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WaitingTriggers } from '../../src/actors/waiting-triggers.js';
import type { TriggerAgent } from '../../src/protocol/runtime-events.js';

const AGENTS = ['execution_agent', 'analysis_agent'];
const CAPS = [['CAP-PRE-001'], ['CAP-SYN-001'], ['CAP-PRE-001', 'CAP-SYN-001']];

function trigger(i: number, agent: number, caps: number): TriggerAgent {
  return {
    type: 'TriggerAgent',
    request_id: `r${i}`,
    workflow_id: 'w',
    agent_id: AGENTS[agent],
    task_id: `t${i}`,
    attempt: 1,
    dispatch: { capability_ids: CAPS[caps] },
    at: '2026-11-21T00:00:00Z',
  } as unknown as TriggerAgent;
}

/** The dispatcher's queue as it was: one list by priority, each drain offering every entry in order. */
class Reference {
  readonly items: Array<{ trigger: TriggerAgent; priority: number }> = [];
  add(t: TriggerAgent, priority: number) {
    let at = this.items.length;
    while (at > 0 && this.items[at - 1].priority < priority) at--;
    this.items.splice(at, 0, { trigger: t, priority });
  }
  withdraw(ids: string[]) {
    for (let i = this.items.length - 1; i >= 0; i--)
      if (ids.includes(this.items[i].trigger.request_id)) this.items.splice(i, 1);
  }
  drain(place: (t: TriggerAgent) => string | undefined, placed: (t: TriggerAgent) => void) {
    for (let i = 0; i < this.items.length;) {
      if (place(this.items[i].trigger) === undefined) {
        i++;
        continue;
      }
      placed(this.items.splice(i, 1)[0].trigger);
    }
  }
}

/** Room per agent and capability set: what placement depends on (and only ever takes). */
const room = (free: Map<string, number>) => (t: TriggerAgent) => {
  const key = `${t.agent_id}|${t.dispatch.capability_ids.join(',')}`;
  const left = free.get(key) ?? 0;
  if (left === 0) return undefined;
  free.set(key, left - 1);
  return 'rt';
};

const op = fc.oneof(
  fc.record({
    kind: fc.constant('add' as const),
    agent: fc.nat(1),
    caps: fc.nat(2),
    priority: fc.integer({ min: 0, max: 2 }),
  }),
  fc.record({ kind: fc.constant('drain' as const), free: fc.array(fc.nat(3), { minLength: 6, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('withdraw' as const), pick: fc.array(fc.nat(40), { maxLength: 4 }) }),
);

describe('WaitingTriggers', () => {
  it('places exactly what the single ordered queue placed, in the same order, on random histories', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const lanes = new WaitingTriggers();
        const reference = new Reference();
        let n = 0;
        for (const o of ops) {
          if (o.kind === 'add') {
            const t = trigger(n++, o.agent, o.caps);
            lanes.add(t, o.priority);
            reference.add(t, o.priority);
          } else if (o.kind === 'withdraw') {
            const ids = o.pick.map((i) => `r${i}`);
            lanes.withdraw(ids);
            reference.withdraw(ids);
          } else {
            const keys = AGENTS.flatMap((a) => CAPS.map((c) => `${a}|${c.join(',')}`));
            const free = () => new Map(keys.map((k, i) => [k, o.free[i]]));
            const got: string[] = [];
            const want: string[] = [];
            lanes.drain(room(free()), (t) => got.push(t.request_id));
            reference.drain(room(free()), (t) => want.push(t.request_id));
            expect(got).toEqual(want);
          }
          expect(lanes.size).toBe(reference.items.length);
          for (const { trigger: t } of reference.items) expect(lanes.has(t.request_id)).toBe(true);
        }
      }),
    );
  });

  it('stops a lane at its first refusal, without offering the rest of it', () => {
    const lanes = new WaitingTriggers();
    for (let i = 0; i < 1000; i++) lanes.add(trigger(i, 0, 0), 0);
    lanes.add(trigger(1000, 1, 1), 0);
    let offered = 0;
    lanes.drain(
      (t) => {
        offered++;
        return t.agent_id === 'analysis_agent' ? 'rt' : undefined;
      },
      () => undefined,
    );
    expect(offered).toBe(2);
    expect(lanes.size).toBe(1000);
  });
});
