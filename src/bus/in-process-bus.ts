import { type Scheduler, systemScheduler } from '../core/scheduler.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import type {
  Bus,
  BusCounters,
  BusHandler,
  BusMessage,
  PublishOptions,
  RequestOptions,
  SubscribeOptions,
  Subscription,
} from './bus.js';
import { busMessage, Deliveries, Mailbox } from './mailbox.js';
import { assertSubject, SubjectPattern } from './subject-pattern.js';

/** Options of {@link InProcessBus}. */
export interface InProcessBusOptions {
  /** Messages kept for replay to late subscribers. @default 1000 */
  historySize?: number;
  /** Time, for expiry, and the timers of request timeouts; tests pass a `SimulatedScheduler`. @default systemScheduler */
  scheduler?: Scheduler;
  /** Told about every handler that throws or rejects (the bus itself carries on). */
  onHandlerError?: (error: unknown, message: BusMessage) => void;
}

interface Sub {
  readonly pattern: SubjectPattern;
  readonly queue: string | undefined;
  readonly mailbox: Mailbox;
}

const INBOX = '_INBOX';
const INBOX_PREFIX = `${INBOX}.`;

/**
 * The default {@link Bus}: everything in this process. Each subscription is a mailbox — its
 * handler sees one message at a time, in priority order, so a subscriber is an actor.
 * Delivery is asynchronous, as over a network; {@link flush} waits until it has caught up.
 *
 * @example
 * const bus = new InProcessBus();
 * bus.subscribe('switchyard.events.agent.definition.*.registered', (m) => registry.add(m.data));
 * bus.publish(subjects().registered('rt-1'), registeredEvent);
 */
export class InProcessBus implements Bus {
  /** Nothing is lost between publisher and subscribers in one process. */
  readonly reliable = true;
  readonly #subs: Sub[] = [];
  readonly #groupTurn = new Map<string, number>();
  readonly #history: BusMessage[] = [];
  readonly #historySize: number;
  readonly #scheduler: Scheduler;
  readonly #d: Deliveries;
  readonly #counters: BusCounters;
  /** Pending requests by their reply subject: a reply goes straight to its request, not through subscriptions. */
  readonly #replies = new Map<string, (error?: SwitchyardError, message?: BusMessage) => void>();
  #seq = 0;
  #inbox = 0;

  constructor(options: InProcessBusOptions = {}) {
    this.#historySize = options.historySize ?? 1000;
    if (!Number.isInteger(this.#historySize) || this.#historySize < 0) {
      throw new SwitchyardError(
        ErrorCodes.INVALID_INPUT,
        `historySize must be a whole number from 0 up, got ${String(options.historySize)}.`,
        { field: 'historySize' },
      );
    }
    const scheduler = options.scheduler ?? systemScheduler;
    this.#scheduler = scheduler;
    this.#d = new Deliveries(() => scheduler.now(), options.onHandlerError);
    this.#counters = this.#d.counters;
  }

  publish(subject: string, data: unknown, options: PublishOptions = {}): void {
    this.#open();
    assertSubject(subject);
    this.#publish(subject, data, options);
  }

  subscribe<T = unknown>(pattern: string, handler: BusHandler<T>, options: SubscribeOptions = {}): Subscription {
    this.#open();
    const sub: Sub = {
      pattern: new SubjectPattern(pattern),
      queue: options.queue,
      mailbox: new Mailbox(this.#d, handler as BusHandler),
    };
    this.#subs.push(sub);
    this.#counters.subscriptions++;
    if (options.replay) for (const m of this.#history) if (sub.pattern.matches(m.subject)) sub.mailbox.push(m);
    return {
      pattern,
      unsubscribe: () => {
        if (!sub.mailbox.active) return;
        sub.mailbox.close();
        this.#counters.subscriptions--;
        this.#subs.splice(this.#subs.indexOf(sub), 1);
      },
    };
  }

  request<T = unknown>(subject: string, data: unknown, options: RequestOptions): Promise<BusMessage<T>> {
    this.#open();
    assertSubject(subject);
    this.#counters.requests++;
    const tokens = subject.split('.');
    if (!this.#subs.some((s) => s.pattern.matches(subject, tokens))) {
      this.#counters.noResponders++;
      return Promise.reject(
        new SwitchyardError(ErrorCodes.NO_RESPONDERS, `Nobody listens on ${subject}; the request was not delivered.`, {
          subject,
        }),
      );
    }
    const reply = `${INBOX}.${++this.#inbox}`;
    return new Promise<BusMessage<T>>((resolve, reject) => {
      const timer = this.#scheduler.setTimeout(() => {
        this.#counters.requestTimeouts++;
        finish(
          new SwitchyardError(ErrorCodes.REQUEST_TIMEOUT, `No reply on ${subject} within ${options.timeoutMs} ms.`, {
            subject,
            timeoutMs: options.timeoutMs,
          }),
        );
      }, options.timeoutMs);
      const finish = (error?: SwitchyardError, message?: BusMessage) => {
        this.#scheduler.clearTimeout(timer);
        this.#replies.delete(reply);
        if (error) reject(error);
        else resolve(message as BusMessage<T>);
      };
      this.#replies.set(reply, finish);
      const publish: PublishOptions = { reply };
      if (options.priority !== undefined) publish.priority = options.priority;
      if (options.ttlMs !== undefined) publish.ttlMs = options.ttlMs;
      if (options.headers !== undefined) publish.headers = options.headers;
      this.#publish(subject, data, publish, tokens);
    });
  }

  respond(message: BusMessage, data: unknown, options: Omit<PublishOptions, 'reply'> = {}): void {
    if (message.reply === undefined || this.#d.closed) return;
    this.#publish(message.reply, data, options);
  }

  flush(): Promise<void> {
    return this.#d.idle();
  }

  counters(): BusCounters {
    return { ...this.#counters };
  }

  afterQueued(job: () => void): void {
    // Nothing is delivered any more: the job still runs, as any caller's fallback would.
    if (this.#d.closed) return queueMicrotask(job);
    this.#d.queued++;
    this.#d.atEnd(() => {
      try {
        job();
      } finally {
        this.#d.queued--;
        this.#d.settle();
      }
    });
  }

  async close(): Promise<void> {
    if (this.#d.closed) return;
    this.#d.closed = true;
    for (const finish of [...this.#replies.values()])
      finish(new SwitchyardError(ErrorCodes.CLOSED, 'The bus was closed while this request waited for a reply.'));
    for (const sub of this.#subs) sub.mailbox.close();
    this.#subs.length = 0;
    this.#d.settle();
  }

  #open(): void {
    if (this.#d.closed) throw new SwitchyardError(ErrorCodes.CLOSED, 'The bus is closed.');
  }

  /** `tokens` is `subject` split on `.`, when the caller has it already. */
  #publish(subject: string, data: unknown, options: PublishOptions, tokens?: readonly string[]): void {
    const message = busMessage(subject, data, options, ++this.#seq, this.#scheduler.now());
    this.#counters.published++;
    if (subject.startsWith(INBOX_PREFIX)) {
      const finish = this.#replies.get(subject);
      if (!finish) return;
      this.#d.queued++;
      this.#d.later(() => {
        finish(undefined, message);
        this.#d.queued--;
        this.#d.settle();
      });
      return;
    }
    if (this.#historySize > 0) {
      this.#history.push(message);
      if (this.#history.length > this.#historySize) this.#history.shift();
    }
    const parts = tokens ?? subject.split('.');
    // Queue groups are rare: their map is made only when a member matches.
    let groups: Map<string, Sub[]> | undefined;
    for (const sub of this.#subs) {
      if (!sub.pattern.matches(subject, parts)) continue;
      if (sub.queue === undefined) {
        sub.mailbox.push(message);
        continue;
      }
      const key = `${sub.queue}\u0000${sub.pattern.pattern}`;
      groups ??= new Map();
      const members = groups.get(key);
      if (members) members.push(sub);
      else groups.set(key, [sub]);
    }
    for (const [key, members] of groups ?? []) {
      const turn = this.#groupTurn.get(key) ?? 0;
      this.#groupTurn.set(key, turn + 1);
      members[turn % members.length].mailbox.push(message);
    }
  }
}
