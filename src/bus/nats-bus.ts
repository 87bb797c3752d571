import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  connect,
  type Msg,
  type NatsConnection,
  type Subscription as NatsSubscription,
  RequestError,
  TimeoutError,
  NoRespondersError,
} from '@nats-io/transport-node';
import { type Scheduler, systemScheduler } from '../core/scheduler.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { parseWith } from '../protocol/parse.js';
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
import { type NatsBusOptions, NatsBusOptionsSchema } from './nats-bus-options.js';
import { busMessageOfNats, natsHeadersOf, natsPayload, ORIGIN_HEADER } from './nats-wire.js';
import { assertSubject, SubjectPattern } from './subject-pattern.js';

export type { NatsBusOptions } from './nats-bus-options.js';

/** What the connection went through, for actors that must know (the dispatcher pauses expiry while cut off). */
export type ConnectionEvent = 'disconnected' | 'reconnected';

interface Sub {
  readonly pattern: SubjectPattern;
  readonly mailbox: Mailbox;
  readonly group: Group | undefined;
  readonly nats: NatsSubscription | undefined;
}

/** The local members of one queue group on one pattern: one NATS queue subscription, round robin among them. */
interface Group {
  readonly members: Sub[];
  readonly nats: NatsSubscription;
  turn: number;
}

/**
 * Connects to NATS and returns a {@link Bus} over it. A connection that cannot be made is
 * `CONNECTION_FAILED` naming the servers; bad options are `INVALID_INPUT` naming the field.
 *
 * @example
 * const bus = await natsBus({ servers: 'nats://127.0.0.1:4222', name: 'coordinator' });
 * const rt = await createRuntime({ agents: [handlers], bus });
 */
export async function natsBus(options: NatsBusOptions = {}): Promise<NatsBus> {
  const parsed = parseWith(NatsBusOptionsSchema, options, 'NATS bus options');
  if (!parsed.ok) throw parsed.error;
  const o = parsed.value;
  const servers = o.servers ?? 'nats://127.0.0.1:4222';
  let tls: { caFile?: string; certFile?: string; keyFile?: string } | undefined;
  if (o.tls) {
    tls = o.tls === true ? {} : o.tls;
    for (const [field, file] of Object.entries(tls)) {
      try {
        readFileSync(file as string);
      } catch (error) {
        throw new SwitchyardError(
          ErrorCodes.FILE_ERROR,
          `tls.${field} ${file} cannot be read: ${(error as Error).message}.`,
          { field: `tls.${field}`, path: file },
        );
      }
    }
  }
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers,
      name: o.name ?? 'switchyard',
      ...(o.token === undefined ? {} : { token: o.token }),
      ...(o.user === undefined ? {} : { user: o.user, pass: o.pass ?? '' }),
      ...(tls ? { tls } : {}),
      reconnect: o.reconnect ?? true,
      maxReconnectAttempts: o.maxReconnectAttempts ?? -1,
      reconnectTimeWait: o.reconnectTimeWait ?? 250,
      reconnectJitter: 100,
      timeout: o.timeoutMs ?? 5000,
      pingInterval: 5000,
      // No error object with a stack per request (costly at thousands a second); errors still carry their cause.
      noAsyncTraces: true,
      maxPingOut: 2,
    });
  } catch (error) {
    throw new SwitchyardError(
      ErrorCodes.CONNECTION_FAILED,
      `Could not connect to NATS at ${[servers].flat().join(', ')}: ${(error as Error).message}. Is nats-server running there, and are the credentials right?`,
      { servers: [servers].flat() },
    );
  }
  return new NatsBus(nc, o);
}

/**
 * A {@link Bus} on NATS (`@nats-io/transport-node`): the same subjects, wildcards,
 * request-reply and queue groups, carried by a `nats-server`, so actors in other processes and
 * on other machines talk as if in one. Payloads are JSON; priority, expiry and publication
 * time travel as headers. Each subscription is a mailbox, as on the in-process bus.
 *
 * A bus hands what it publishes to its own (non-queue) subscribers itself, without the trip
 * through the server (the server's copy is dropped when it comes back), and its own
 * subscribers may answer its requests in-process: actors in one process talk without a
 * server round trip, while everything still goes to the server for the other processes
 * (a request is answered by whoever answers first).
 *
 * Differences a user may meet: delivery is at most once (NATS core) — what must not be lost is
 * acknowledged by the actors themselves (results, triggers); a queue group is round robin among
 * the members on one bus and spread by the server among buses; the history a late subscriber
 * may replay is what this bus published or received.
 */
export class NatsBus implements Bus {
  readonly #nc: NatsConnection;
  readonly #d: Deliveries;
  readonly #counters: BusCounters;
  readonly #subs = new Set<Sub>();
  readonly #groups = new Map<string, Group>();
  readonly #history: BusMessage[] = [];
  readonly #historySize: number;
  readonly #scheduler: Scheduler;
  readonly #pending = new Set<(error: SwitchyardError) => void>();
  readonly #listeners = new Set<(event: ConnectionEvent) => void>();
  readonly #origin = randomUUID();
  /** Requests answered in-process, by their local reply subject. */
  readonly #localReplies = new Map<string, (message: BusMessage) => void>();
  #seq = 0;
  #inbox = 0;

  constructor(nc: NatsConnection, options: Pick<NatsBusOptions, 'historySize' | 'scheduler' | 'onHandlerError'> = {}) {
    this.#nc = nc;
    const scheduler = options.scheduler ?? systemScheduler;
    this.#scheduler = scheduler;
    this.#historySize = options.historySize ?? 1000;
    this.#d = new Deliveries(() => scheduler.now(), options.onHandlerError);
    this.#counters = this.#d.counters;
    void this.#watch();
  }

  /** The server this bus is connected to now (`host:port`), for messages. */
  get server(): string {
    return this.#nc.getServer();
  }

  /** Calls `listener` when the connection drops and when it is back; returns how to stop. */
  onConnection(listener: (event: ConnectionEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(subject: string, data: unknown, options: PublishOptions = {}): void {
    this.#open();
    assertSubject(subject);
    this.#send(subject, data, options);
  }

  subscribe<T = unknown>(pattern: string, handler: BusHandler<T>, options: SubscribeOptions = {}): Subscription {
    this.#open();
    const parsed = new SubjectPattern(pattern);
    const mailbox = new Mailbox(this.#d, handler as BusHandler);
    let sub: Sub;
    if (options.queue === undefined) {
      sub = {
        pattern: parsed,
        mailbox,
        group: undefined,
        nats: this.#nc.subscribe(pattern, {
          callback: (error, msg) => this.#receive(error, msg, (m) => mailbox.push(m), true),
        }),
      };
    } else {
      const key = `${options.queue}\u0000${pattern}`;
      let group = this.#groups.get(key);
      if (!group) {
        const members: Sub[] = [];
        const g: Group = {
          members,
          turn: 0,
          nats: this.#nc.subscribe(pattern, {
            queue: options.queue,
            callback: (error, msg) =>
              this.#receive(
                error,
                msg,
                (m) => g.members.length > 0 && g.members[g.turn++ % g.members.length].mailbox.push(m),
              ),
          }),
        };
        group = g;
        this.#groups.set(key, g);
      }
      sub = { pattern: parsed, mailbox, group, nats: undefined };
      group.members.push(sub);
    }
    this.#subs.add(sub);
    this.#counters.subscriptions++;
    if (options.replay) for (const m of this.#history) if (parsed.matches(m.subject)) mailbox.push(m);
    return {
      pattern,
      unsubscribe: () => {
        if (!this.#subs.delete(sub)) return;
        this.#counters.subscriptions--;
        mailbox.close();
        sub.nats?.unsubscribe();
        if (sub.group) {
          sub.group.members.splice(sub.group.members.indexOf(sub), 1);
          if (sub.group.members.length === 0) {
            sub.group.nats.unsubscribe();
            for (const [key, g] of this.#groups) if (g === sub.group) this.#groups.delete(key);
          }
        }
      },
    };
  }

  request<T = unknown>(subject: string, data: unknown, options: RequestOptions): Promise<BusMessage<T>> {
    this.#open();
    assertSubject(subject);
    this.#counters.requests++;
    const tokens = subject.split('.');
    let local = false;
    for (const sub of this.#subs) if (sub.group === undefined && sub.pattern.matches(subject, tokens)) local = true;
    return new Promise<BusMessage<T>>((resolve, reject) => {
      let settled = false;
      let reply: string | undefined;
      const finish = () => {
        settled = true;
        this.#scheduler.clearTimeout(timer);
        if (reply !== undefined) this.#localReplies.delete(reply);
        this.#pending.delete(abandon);
      };
      const win = (message: BusMessage) => {
        if (settled) return;
        finish();
        resolve(message as BusMessage<T>);
      };
      const abandon = (error: SwitchyardError) => {
        if (settled) return;
        finish();
        reject(error);
      };
      // With a subscriber here, this bus keeps its own clock on the request; the server's answer only counts if it comes first.
      const timer = local
        ? this.#scheduler.setTimeout(() => {
            this.#counters.requestTimeouts++;
            abandon(
              new SwitchyardError(
                ErrorCodes.REQUEST_TIMEOUT,
                `No reply on ${subject} within ${options.timeoutMs} ms.`,
                { subject, timeoutMs: options.timeoutMs },
              ),
            );
          }, options.timeoutMs)
        : undefined;
      this.#pending.add(abandon);
      if (local) {
        // Our own subscribers get it in-process and may answer in-process: no server round trip.
        reply = `_LOCAL.${++this.#inbox}`;
        this.#localReplies.set(reply, (message) => this.#d.later(() => win(message)));
        this.#counters.published++;
        this.#deliverLocally(this.#local(subject, data, { ...options, reply }), tokens);
      }
      // Responders in other processes get it from the server (our own subscriptions drop the server's copy).
      const headers = natsHeadersOf(options, this.#scheduler.now(), this.#origin);
      this.#counters.published++;
      this.#nc.request(subject, natsPayload(data), { timeout: options.timeoutMs, headers }).then(
        (msg) => win(this.#fromNats(msg)),
        (error: unknown) => {
          if (!local) abandon(this.#requestError(error, subject, options.timeoutMs));
        },
      );
    });
  }

  respond(message: BusMessage, data: unknown, options: Omit<PublishOptions, 'reply'> = {}): void {
    if (message.reply === undefined || this.#d.closed) return;
    const local = this.#localReplies.get(message.reply);
    if (local) {
      this.#counters.published++;
      local(this.#local(message.reply, data, options));
      return;
    }
    this.#send(message.reply, data, options);
  }

  /** A message as this bus's own subscribers get it when it does not go through the server. */
  #local(subject: string, data: unknown, options: PublishOptions): BusMessage {
    const message = busMessage(subject, data, options, ++this.#seq, this.#scheduler.now());
    this.#remember(message);
    return message;
  }

  /** Hands a message to this bus's own plain subscribers (queue groups get it from the server). */
  #deliverLocally(message: BusMessage, tokens: readonly string[] = message.subject.split('.')): number {
    let delivered = 0;
    for (const sub of this.#subs) {
      if (sub.group !== undefined || !sub.pattern.matches(message.subject, tokens)) continue;
      sub.mailbox.push(message);
      delivered++;
    }
    return delivered;
  }

  /**
   * One round trip to the server: resolves once it has what was published so far, and has
   * sent this connection what that brought to its subscriptions (now in their mailboxes).
   */
  async roundTrip(): Promise<void> {
    this.#open();
    await this.#nc.flush();
  }

  /**
   * Resolves once everything published so far has reached the server and every message the
   * server sent back to this bus's subscriptions has been handled (a server round trip, then
   * the mailboxes, until both are still).
   */
  async flush(): Promise<void> {
    for (;;) {
      if (this.#d.closed) return;
      const before = this.#counters.published + this.#counters.delivered;
      try {
        await this.#nc.flush();
      } catch {
        return;
      }
      await this.#d.idle();
      if (this.#counters.published + this.#counters.delivered === before) return;
    }
  }

  counters(): BusCounters {
    return { ...this.#counters };
  }

  async close(): Promise<void> {
    if (this.#d.closed) return;
    this.#d.closed = true;
    for (const abandon of [...this.#pending])
      abandon(new SwitchyardError(ErrorCodes.CLOSED, 'The bus was closed while this request waited for a reply.'));
    this.#localReplies.clear();
    for (const sub of this.#subs) sub.mailbox.close();
    this.#subs.clear();
    this.#groups.clear();
    this.#d.settle();
    try {
      await this.#nc.drain();
    } catch {
      await this.#nc.close();
    }
  }

  #open(): void {
    if (this.#d.closed) throw new SwitchyardError(ErrorCodes.CLOSED, 'The bus is closed.');
  }

  #send(subject: string, data: unknown, options: PublishOptions): void {
    const h = natsHeadersOf(options, this.#scheduler.now(), this.#origin);
    const payload = natsPayload(data);
    const limit = this.#nc.info?.max_payload;
    this.#counters.published++;
    const here = this.#deliverLocally(this.#local(subject, data, options));
    if (limit !== undefined && payload.length > limit) {
      // Too large for the server (its max_payload): what only this process reads (a run's
      // checkpoint for its state manager) has been delivered; anything else is refused.
      if (here > 0) return;
      throw new SwitchyardError(
        ErrorCodes.INVALID_INPUT,
        `A message of ${payload.length} bytes on ${subject} is larger than the server's max_payload of ${limit} bytes; raise max_payload in the nats-server configuration.`,
        { subject, bytes: payload.length, max_payload: limit },
      );
    }
    this.#nc.publish(subject, payload, {
      headers: h,
      ...(options.reply === undefined ? {} : { reply: options.reply }),
    });
  }

  #receive(error: Error | null, msg: Msg, deliver: (message: BusMessage) => void, plain = false): void {
    if (error || this.#d.closed) return;
    // Our own publication, already handed to our plain subscribers in-process.
    if (plain && msg.headers?.get(ORIGIN_HEADER) === this.#origin) return;
    const message = this.#fromNats(msg);
    this.#remember(message);
    deliver(message);
  }

  #fromNats(msg: Msg): BusMessage {
    return busMessageOfNats(msg, ++this.#seq, this.#scheduler.now());
  }

  #remember(message: BusMessage): void {
    if (this.#historySize === 0) return;
    this.#history.push(message);
    if (this.#history.length > this.#historySize) this.#history.shift();
  }

  #requestError(error: unknown, subject: string, timeoutMs: number): SwitchyardError {
    const cause = (error as { cause?: unknown }).cause;
    if (
      error instanceof NoRespondersError ||
      cause instanceof NoRespondersError ||
      (error instanceof RequestError && error.isNoResponders())
    ) {
      this.#counters.noResponders++;
      return new SwitchyardError(
        ErrorCodes.NO_RESPONDERS,
        `Nobody listens on ${subject}; the request was not delivered.`,
        { subject },
      );
    }
    if (error instanceof TimeoutError || cause instanceof TimeoutError) {
      this.#counters.requestTimeouts++;
      return new SwitchyardError(ErrorCodes.REQUEST_TIMEOUT, `No reply on ${subject} within ${timeoutMs} ms.`, {
        subject,
        timeoutMs,
      });
    }
    if (this.#d.closed || this.#nc.isClosed())
      return new SwitchyardError(
        ErrorCodes.CLOSED,
        `The NATS connection closed while a request on ${subject} waited.`,
        { subject },
      );
    return new SwitchyardError(
      ErrorCodes.CONNECTION_FAILED,
      `A request on ${subject} failed: ${(error as Error).message}.`,
      { subject },
    );
  }

  async #watch(): Promise<void> {
    for await (const status of this.#nc.status()) {
      const event: ConnectionEvent | undefined =
        status.type === 'disconnect' ? 'disconnected' : status.type === 'reconnect' ? 'reconnected' : undefined;
      if (event) for (const listener of this.#listeners) listener(event);
    }
  }
}
