import type { TriggerAgent } from '../protocol/runtime-events.js';

interface Waiting {
  readonly trigger: TriggerAgent;
  readonly priority: number;
  /** Arrival order, to keep equals first come, first served. */
  readonly seq: number;
}

/** What a runtime must serve to take a trigger: its agent and every capability. */
function laneOf(trigger: TriggerAgent): string {
  return `${trigger.agent_id}\u0000${trigger.dispatch.capability_ids.join('\u0001')}`;
}

/**
 * The triggers the dispatcher holds until a runtime has room, highest priority first and
 * oldest first among equals. They wait in lanes — one per agent and capability set, the only
 * things placement depends on — so a pass over them stops at the first trigger of each lane
 * that cannot be placed: a pass costs what it places plus the lanes, not the whole queue
 * times the runtimes (many runs sharing few runtimes queue thousands).
 */
export class WaitingTriggers {
  readonly #lanes = new Map<string, Waiting[]>();
  readonly #ids = new Set<string>();
  #seq = 0;

  get size(): number {
    return this.#ids.size;
  }

  has(requestId: string): boolean {
    return this.#ids.has(requestId);
  }

  add(trigger: TriggerAgent, priority: number): void {
    const key = laneOf(trigger);
    let lane = this.#lanes.get(key);
    if (!lane) this.#lanes.set(key, (lane = []));
    let at = lane.length;
    while (at > 0 && lane[at - 1].priority < priority) at--;
    lane.splice(at, 0, { trigger, priority, seq: this.#seq++ });
    this.#ids.add(trigger.request_id);
  }

  /** Drops the waiting triggers among `requestIds`; returns how many it dropped. */
  withdraw(requestIds: readonly string[]): number {
    const gone = new Set(requestIds.filter((id) => this.#ids.delete(id)));
    if (gone.size === 0) return 0;
    for (const [key, lane] of this.#lanes) {
      const kept = lane.filter((w) => !gone.has(w.trigger.request_id));
      if (kept.length === 0) this.#lanes.delete(key);
      else this.#lanes.set(key, kept);
    }
    return gone.size;
  }

  /**
   * Offers the waiting triggers to `place` in queue order (by priority, then arrival, across
   * lanes) and removes those it placed (it returns where, not `undefined`), until every lane's
   * first trigger was refused. Placing only ever takes room, so a refused lane stays refused for the pass.
   */
  drain<P>(place: (trigger: TriggerAgent) => P | undefined, placed: (trigger: TriggerAgent, where: P) => void): void {
    const open = new Set(this.#lanes.keys());
    while (open.size > 0) {
      let best: Waiting | undefined;
      let bestKey = '';
      for (const key of open) {
        const head = (this.#lanes.get(key) as Waiting[])[0];
        if (!best || head.priority > best.priority || (head.priority === best.priority && head.seq < best.seq)) {
          best = head;
          bestKey = key;
        }
      }
      const head = best as Waiting;
      const where = place(head.trigger);
      if (where === undefined) {
        open.delete(bestKey);
        continue;
      }
      const lane = this.#lanes.get(bestKey) as Waiting[];
      lane.shift();
      this.#ids.delete(head.trigger.request_id);
      if (lane.length === 0) {
        this.#lanes.delete(bestKey);
        open.delete(bestKey);
      }
      placed(head.trigger, where);
    }
  }
}
