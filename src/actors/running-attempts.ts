import type { TriggerAgent } from '../protocol/runtime-events.js';

/** At most this many attempts of an agent placed at once, by agent name (`{ code_writer: 2 }`). */
export type AgentLimits = Readonly<Record<string, number>>;

/**
 * The attempts the dispatcher has placed on runtimes (by request id: the trigger), counting,
 * for each agent with a limit, how many are placed — so placement can hold an agent's next
 * attempt back while it is at its limit ({@link admits}). Every way an attempt leaves (a result,
 * a lost runtime, a refusal, a reclaim) goes through `delete`, so the counts cannot drift from
 * the map. Without limits, `set` and `delete` are the Map's plus one check; an agent without a
 * limit costs one lookup in a small map. Counted are attempts placed, held ones included: a
 * runtime's prefetch cannot take an agent over its limit either.
 */
export class RunningAttempts extends Map<string, TriggerAgent> {
  readonly #limits: ReadonlyMap<string, number> | undefined;
  readonly #placed = new Map<string, number>();

  constructor(limits?: AgentLimits) {
    super();
    const entries = Object.entries(limits ?? {});
    this.#limits = entries.length === 0 ? undefined : new Map(entries);
  }

  /** Whether an attempt of `agentId` may be placed now: it has no limit, or is under it. */
  admits(agentId: string): boolean {
    if (this.#limits === undefined) return true;
    const limit = this.#limits.get(agentId);
    return limit === undefined || (this.#placed.get(agentId) ?? 0) < limit;
  }

  /** How many attempts of `agentId` are placed now (counted only for agents with a limit). */
  placedOf(agentId: string): number {
    return this.#placed.get(agentId) ?? 0;
  }

  override set(requestId: string, trigger: TriggerAgent): this {
    if (this.#limits !== undefined) {
      const previous = super.get(requestId);
      if (previous !== undefined) this.#count(previous.agent_id, -1);
      this.#count(trigger.agent_id, 1);
    }
    return super.set(requestId, trigger);
  }

  override delete(requestId: string): boolean {
    if (this.#limits !== undefined) {
      const trigger = super.get(requestId);
      if (trigger !== undefined) this.#count(trigger.agent_id, -1);
    }
    return super.delete(requestId);
  }

  override clear(): void {
    this.#placed.clear();
    super.clear();
  }

  #count(agentId: string, by: number): void {
    if (!(this.#limits as ReadonlyMap<string, number>).has(agentId)) return;
    this.#placed.set(agentId, (this.#placed.get(agentId) ?? 0) + by);
  }
}
