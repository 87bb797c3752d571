import type { BusCounters, BusHandler, BusMessage, PublishOptions } from './bus.js';

/** The headers of a message published without any: one object for all of them, frozen. */
const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * A published message as subscribers see it: publication options turned into its fields.
 * Built field by field (no spreads, no empty headers object per message): the bus makes one
 * for every publication.
 */
export function busMessage(
  subject: string,
  data: unknown,
  options: PublishOptions,
  seq: number,
  now: number,
): BusMessage {
  const message: { -readonly [K in keyof BusMessage]: BusMessage[K] } = {
    subject,
    data,
    headers: options.headers ?? NO_HEADERS,
    priority: options.priority ?? 0,
    seq,
    publishedAt: now,
  };
  if (options.reply !== undefined) message.reply = options.reply;
  if (options.ttlMs !== undefined) message.expiresAt = now + options.ttlMs;
  return message;
}

/**
 * Deliveries one turn may make before it yields to I/O and timers. The turn's budget and its
 * yield (`setImmediate`) are the event loop's own, on purpose not the bus's scheduler: they
 * measure this process's CPU time, which simulated time does not, and a simulated bus must
 * still deliver.
 */
const TURN_DELIVERIES = 2048;
/** …or the time it may take, in ms. */
const TURN_MS = 4;

/**
 * What a bus's mailboxes share: the counters, the time for expiry, how many messages are
 * waiting anywhere (so `flush` can wait until every mailbox has caught up), and the one
 * delivery loop that runs them. A turn of the loop delivers, one message at a time and mailbox
 * after mailbox, until every mailbox is empty or waiting on an asynchronous handler — also what
 * the handlers published meanwhile — so a message passed along a chain of actors costs one turn
 * of the event loop, not one per actor. A turn yields after a bounded number of deliveries, so
 * I/O and timers are never starved.
 */
export class Deliveries {
  readonly counters: BusCounters = {
    published: 0,
    delivered: 0,
    expired: 0,
    handlerErrors: 0,
    requests: 0,
    requestTimeouts: 0,
    noResponders: 0,
    subscriptions: 0,
  };
  /** Messages waiting in a mailbox or being handled. */
  queued = 0;
  closed = false;
  readonly #now: () => number;
  readonly #onHandlerError: ((error: unknown, message: BusMessage) => void) | undefined;
  #waiters: Array<() => void> = [];
  /** Mailboxes with a message to deliver, and jobs (replies to requests), in arrival order. */
  #ready: Array<Mailbox | (() => void)> = [];
  /** Jobs for the end of the turn: run once nothing more is waiting in it, or its budget is spent. */
  #atEnd: Array<() => void> = [];
  #scheduled = false;

  /** @param now epoch milliseconds now, for expiry: the bus's scheduler's `now` */
  constructor(now: () => number, onHandlerError?: (error: unknown, message: BusMessage) => void) {
    this.#now = now;
    this.#onHandlerError = onHandlerError;
  }

  now(): number {
    return this.#now();
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

  /** Runs `job` in the delivery loop, after what is already waiting (a reply reaching its request). */
  later(job: () => void): void {
    this.#ready.push(job);
    this.#wake();
  }

  /**
   * Runs `job` at the end of this turn (the next one, outside a turn): once every message
   * waiting, and every message the handlers publish meanwhile, has been delivered, or when the
   * turn's budget is spent. Jobs run in the order they came, each once what the ones before it
   * published has been delivered; what a job publishes is delivered in the same turn when the
   * budget allows.
   */
  atEnd(job: () => void): void {
    this.#atEnd.push(job);
    this.#wake();
  }

  /** A mailbox has a message to deliver and is not already in line. */
  ready(mailbox: Mailbox): void {
    this.#ready.push(mailbox);
    this.#wake();
  }

  #wake(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#turn());
  }

  #turn(): void {
    this.#scheduled = false;
    const until = performance.now() + TURN_MS;
    let done = 0;
    let next = 0;
    let spent = false;
    try {
      for (;;) {
        while (next < this.#ready.length) {
          if (done >= TURN_DELIVERIES || ((done & 63) === 63 && performance.now() > until)) {
            spent = true;
            break;
          }
          const entry = this.#ready[next++];
          done++;
          // Handlers' errors are caught in deliverOne; a job's would be a bug, and still leaves the line intact.
          if (typeof entry === 'function') entry();
          else entry.deliverOne();
        }
        if (this.#atEnd.length === 0) break;
        if (spent) {
          const jobs = this.#atEnd;
          this.#atEnd = [];
          for (const job of jobs) job();
          break;
        }
        // One job at a time, and what it published delivered before the next: a job that comes
        // later then finds that in its batch too (the run's flush takes the dispatcher's
        // placements with its results, one actor event where there were two).
        (this.#atEnd.shift() as () => void)();
      }
    } finally {
      this.#ready = this.#ready.slice(next);
      if (this.#ready.length > 0 || this.#atEnd.length > 0) this.#wake();
    }
  }
}

/**
 * One subscriber's mailbox: its handler sees one message at a time, highest priority first
 * (oldest first among equals); a message whose expiry passed while it waited is dropped and
 * counted. A handler that throws or rejects is counted and reported, never propagated; one
 * that returns a promise gets its next message once the promise settles. This is what makes
 * each subscriber an actor, whatever carries the messages.
 */
export class Mailbox {
  active = true;
  readonly #deliveries: Deliveries;
  readonly #handler: BusHandler;
  readonly #backlog: BusMessage[] = [];
  /** In the delivery loop's line, or handling a message (awaiting an asynchronous handler). */
  #busy = false;

  constructor(deliveries: Deliveries, handler: BusHandler) {
    this.#deliveries = deliveries;
    this.#handler = handler;
  }

  push(message: BusMessage): void {
    if (!this.active) return;
    const backlog = this.#backlog;
    let at = backlog.length;
    while (at > 0 && backlog[at - 1].priority < message.priority) at--;
    // At the end (the usual case) without splice, which makes an array of what it removed.
    if (at === backlog.length) backlog.push(message);
    else backlog.splice(at, 0, message);
    this.#deliveries.queued++;
    if (!this.#busy) {
      this.#busy = true;
      this.#deliveries.ready(this);
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

  /** Delivers the next message (the delivery loop calls this), then gets back in line if more wait. */
  deliverOne(): void {
    const d = this.#deliveries;
    const message = this.#backlog.shift();
    if (!this.active || message === undefined) {
      this.#busy = false;
      return;
    }
    let pending: Promise<void> | void = undefined;
    if (message.expiresAt !== undefined && d.now() > message.expiresAt) {
      d.counters.expired++;
    } else {
      d.counters.delivered++;
      try {
        pending = this.#handler(message);
      } catch (error) {
        d.handlerFailed(error, message);
      }
    }
    if (typeof (pending as Promise<void> | undefined)?.then !== 'function') return this.#delivered();
    // Only an asynchronous handler is awaited: this mailbox waits, the others go on.
    (pending as Promise<void>).then(
      () => this.#delivered(),
      (error: unknown) => {
        d.handlerFailed(error, message);
        this.#delivered();
      },
    );
  }

  #delivered(): void {
    const d = this.#deliveries;
    d.queued--;
    if (this.active && this.#backlog.length > 0) d.ready(this);
    else this.#busy = false;
    d.settle();
  }
}
