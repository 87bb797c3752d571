import type { Bus, BusMessage } from '../bus/bus.js';

/** One bus delivery as an actor's batch holds it: which subscription it came through, and the message. */
export interface Delivery<K extends string> {
  readonly kind: K;
  readonly message: BusMessage;
}

/**
 * Gathers the deliveries one turn of the bus brings an actor and hands them over as one batch,
 * so the actor pays one XState transition per turn instead of one per message. The batch is
 * handed over at the end of the bus's delivery turn (its
 * `afterQueued`; a microtask on a bus without delivery turns): what the actor publishes then is
 * still delivered in the same turn, so a chain of actors costs no extra turn.
 *
 * Order is kept: an event the actor gets any other way (a timer, a command) must call
 * {@link flush} first, so it sees every delivery that arrived before it.
 */
export class TurnInbox<K extends string> {
  #pending: Array<Delivery<K>> = [];
  readonly #defer: (job: () => void) => void;
  readonly #take: (batch: ReadonlyArray<Delivery<K>>) => void;

  /** @param take handed each batch, in arrival order; it must not throw (it runs in the bus's delivery loop) */
  constructor(bus: Bus, take: (batch: ReadonlyArray<Delivery<K>>) => void) {
    this.#defer = bus.afterQueued ? (job) => bus.afterQueued!(job) : queueMicrotask;
    this.#take = take;
  }

  /** Whether nothing waits to be handed over. */
  get empty(): boolean {
    return this.#pending.length === 0;
  }

  push(kind: K, message: BusMessage): void {
    if (this.#pending.length === 0) this.#defer(this.flush);
    this.#pending.push({ kind, message });
  }

  /** Hands over what has gathered, now (a no-op when nothing has). */
  readonly flush = (): void => {
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#take(batch);
  };
}
