/** A message as a subscriber receives it. */
export interface BusMessage<T = unknown> {
  readonly subject: string;
  readonly data: T;
  /** Where a reply goes, for request-reply. */
  readonly reply?: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Higher goes first among messages waiting for the same subscriber. */
  readonly priority: number;
  /** Epoch milliseconds after which the message is dropped undelivered, if any. */
  readonly expiresAt?: number;
  /** Publication order on this bus, from 1. */
  readonly seq: number;
  readonly publishedAt: number;
}

/** Options of one publication. */
export interface PublishOptions {
  /** Higher is delivered first to a subscriber with a backlog. @default 0 */
  priority?: number;
  /** Drop the message if it is not delivered within this many milliseconds. */
  ttlMs?: number;
  reply?: string;
  headers?: Record<string, string>;
}

/** Options of a subscription. */
export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group (round robin), not to all. */
  queue?: string;
  /** Deliver matching messages from the bus's history first (late subscribers catch up). @default false */
  replay?: boolean;
}

/** Options of a request. */
export interface RequestOptions extends Omit<PublishOptions, 'reply'> {
  /** How long to wait for the first reply. */
  timeoutMs: number;
}

/** A live subscription. */
export interface Subscription {
  readonly pattern: string;
  unsubscribe(): void;
}

/** What a bus has done so far. */
export interface BusCounters {
  published: number;
  delivered: number;
  /** Messages dropped because they expired before delivery. */
  expired: number;
  /** Handler calls that threw or rejected. */
  handlerErrors: number;
  requests: number;
  requestTimeouts: number;
  noResponders: number;
  subscriptions: number;
}

/** A subscriber callback; a thrown error or rejection is counted and reported, never propagated. */
export type BusHandler<T = unknown> = (message: BusMessage<T>) => void | Promise<void>;

/**
 * The message bus the actors talk through, with NATS subject semantics (`.`-separated tokens,
 * `*` and `>` wildcards), publish / subscribe / request-reply, per-message priority and expiry,
 * queue groups, replay of a bounded history for late subscribers, and counters. The
 * in-process bus is the default; a NATS bus implements the same interface and passes the same
 * conformance suite.
 */
export interface Bus {
  /**
   * True when a published message always reaches every live subscriber (the in-process bus):
   * what must not be lost is then published once, without acknowledgements.
   */
  readonly reliable?: boolean;
  /** Publishes `data` on `subject` (no wildcards). Delivery is asynchronous. */
  publish(subject: string, data: unknown, options?: PublishOptions): void;
  subscribe<T = unknown>(pattern: string, handler: BusHandler<T>, options?: SubscribeOptions): Subscription;
  /** Publishes and resolves with the first reply; rejects `REQUEST_TIMEOUT` or, when nobody listens, `NO_RESPONDERS` at once. */
  request<T = unknown>(subject: string, data: unknown, options: RequestOptions): Promise<BusMessage<T>>;
  /** Sends `data` to the reply subject of `message` (a no-op if it has none). */
  respond(message: BusMessage, data: unknown, options?: Omit<PublishOptions, 'reply'>): void;
  /** Resolves once everything published so far has been delivered (or dropped). */
  flush(): Promise<void>;
  /**
   * Runs `job` at the end of the current delivery turn, once nothing more waits in it, and
   * counts it as waiting (`flush` waits for it). Jobs run in the order they came, each after
   * what the ones before it published has been delivered. An actor gathers what one turn brings it and
   * takes it as one event, while what it publishes is still delivered in that turn. A bus
   * without delivery turns may omit it: callers fall back to a microtask.
   */
  afterQueued?(job: () => void): void;
  counters(): BusCounters;
  /** Stops delivery; pending requests reject with `CLOSED`. */
  close(): Promise<void>;
  /**
   * For a bus over a network: calls `listener` when the connection drops and when it is back
   * (the dispatcher stops expiring runtimes while it cannot hear them; runtimes register
   * again). Returns how to stop listening. An in-process bus never disconnects and may omit it.
   */
  onConnection?(listener: (event: 'disconnected' | 'reconnected') => void): () => void;
}
