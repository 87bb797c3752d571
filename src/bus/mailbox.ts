import type { BusCounters, BusHandler, BusMessage, PublishOptions } from './bus.js';

/** A published message as subscribers see it: publication options turned into its fields. */
export function busMessage(subject: string, data: unknown, options: PublishOptions, seq: number, now: number): BusMessage {
  return {
    subject,
    data,
    headers: options.headers ?? {},
    priority: options.priority ?? 0,
    seq,
    publishedAt: now,
    ...(options.reply === undefined ? {} : { reply: options.reply }),
    ...(options.ttlMs === undefined ? {} : { expiresAt: now + options.ttlMs }),
  };
}

/**
 * What a bus's mailboxes share: the counters, the clock for expiry, and how many messages
 * are waiting anywhere, so `flush` can wait until every mailbox has caught up.
 */
export class Deliveries {
  readonly counters: BusCounters = { published: 0, delivered: 0, expired: 0, handlerErrors: 0, requests: 0, requestTimeouts: 0, noResponders: 0, subscriptions: 0 };
  /** Messages waiting in a mailbox or being handled. */
  queued = 0;
  closed = false;
  readonly #clock: () => number;
  readonly #onHandlerError: ((error: unknown, message: BusMessage) => void) | undefined;
  #waiters: Array<() => void> = [];

  constructor(clock: () => number, onHandlerError?: (error: unknown, message: BusMessage) => void) {
    this.#clock = clock;
    this.#onHandlerError = onHandlerError;
  }

  now(): number {
    return this.#clock();
  }

  /** Resolves once no message waits in any mailbox (at once when none does, or when closed). */
  idle(): Promise<void> {
    if (this.queued === 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Wakes `idle` waiters if nothing is queued any more. */
  settle(): void {
    if (this.queued > 0 && !this.closed) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }

  handlerFailed(error: unknown, message: BusMessage): void {
    this.counters.handlerErrors++;
    this.#onHandlerError?.(error, message);
  }
}

/**
 * One subscriber's mailbox: its handler sees one message at a time, highest priority first
 * (oldest first among equals); a message whose expiry passed while it waited is dropped and
 * counted. A handler that throws or rejects is counted and reported, never propagated. This
 * is what makes each subscriber an actor, whatever carries the messages.
 */
export class Mailbox {
  active = true;
  readonly #deliveries: Deliveries;
  readonly #handler: BusHandler;
  readonly #backlog: BusMessage[] = [];
  #running = false;

  constructor(deliveries: Deliveries, handler: BusHandler) {
    this.#deliveries = deliveries;
    this.#handler = handler;
  }

  push(message: BusMessage): void {
    if (!this.active) return;
    const backlog = this.#backlog;
    let at = backlog.length;
    while (at > 0 && backlog[at - 1].priority < message.priority) at--;
    backlog.splice(at, 0, message);
    this.#deliveries.queued++;
    if (!this.#running) {
      this.#running = true;
      setImmediate(() => void this.#drain());
    }
  }

  /** Stops delivery and drops what waits. */
  close(): void {
    if (!this.active) return;
    this.active = false;
    this.#deliveries.queued -= this.#backlog.length;
    this.#backlog.length = 0;
    this.#deliveries.settle();
  }

  async #drain(): Promise<void> {
    const d = this.#deliveries;
    while (this.active && this.#backlog.length > 0) {
      const message = this.#backlog.shift() as BusMessage;
      if (message.expiresAt !== undefined && d.now() > message.expiresAt) {
        d.counters.expired++;
      } else {
        d.counters.delivered++;
        try {
          // Only an asynchronous handler is awaited: a synchronous one costs no extra turn.
          const pending = this.#handler(message);
          if (pending !== undefined) await pending;
        } catch (error) {
          d.handlerFailed(error, message);
        }
      }
      d.queued--;
      d.settle();
    }
    this.#running = false;
  }
}
