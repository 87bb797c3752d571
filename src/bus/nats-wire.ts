/**
 * How a {@link BusMessage} travels as a NATS message: the payload is JSON; priority, expiry,
 * publication time and the publishing bus travel as headers of the bus's own, which
 * subscribers never see among the message's headers.
 */

import { headers as natsHeaders, type Msg, type MsgHdrs, type Payload } from '@nats-io/transport-node';
import type { BusMessage, PublishOptions } from './bus.js';

/** Headers the bus uses itself; never shown to subscribers as message headers. */
const PRIORITY = 'Switchyard-Priority';
const EXPIRES = 'Switchyard-Expires';
const PUBLISHED = 'Switchyard-Published';
/** Which bus published a message: a bus drops the server's copy of what it already delivered itself. */
export const ORIGIN_HEADER = 'Switchyard-Origin';
const OWN = new Set([PRIORITY, EXPIRES, PUBLISHED, ORIGIN_HEADER].map((h) => h.toLowerCase()));

const encoder = new TextEncoder();

/** The payload of `data`: its JSON. */
export function natsPayload(data: unknown): Payload {
  return encoder.encode(JSON.stringify(data ?? null));
}

/** The headers a publication at `now` with `options` carries, marked as from the bus `origin`. */
export function natsHeadersOf(options: Omit<PublishOptions, 'reply'>, now: number, origin: string): MsgHdrs {
  const h = natsHeaders();
  h.set(PUBLISHED, String(now));
  if (options.priority !== undefined && options.priority !== 0) h.set(PRIORITY, String(options.priority));
  if (options.ttlMs !== undefined) h.set(EXPIRES, String(now + options.ttlMs));
  for (const [k, v] of Object.entries(options.headers ?? {})) h.set(k, v);
  h.set(ORIGIN_HEADER, origin);
  return h;
}

/**
 * A NATS message as subscribers see it, numbered `seq`; `now` stands for its publication time
 * when it does not carry one. A payload that is not JSON arrives as its text, for the actor to refuse.
 */
export function busMessageOfNats(msg: Msg, seq: number, now: number): BusMessage {
  const text = msg.string();
  let data: unknown = null;
  if (text.length > 0) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  const own: Record<string, string> = {};
  const user: Record<string, string> = {};
  if (msg.headers) {
    for (const key of msg.headers.keys()) {
      const value = msg.headers.get(key);
      if (OWN.has(key.toLowerCase())) own[key.toLowerCase()] = value;
      else user[key] = value;
    }
  }
  const num = (v: string | undefined) => (v === undefined || !Number.isFinite(Number(v)) ? undefined : Number(v));
  const expiresAt = num(own[EXPIRES.toLowerCase()]);
  return {
    subject: msg.subject,
    data,
    headers: user,
    priority: num(own[PRIORITY.toLowerCase()]) ?? 0,
    seq,
    publishedAt: num(own[PUBLISHED.toLowerCase()]) ?? now,
    ...(msg.reply ? { reply: msg.reply } : {}),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}
