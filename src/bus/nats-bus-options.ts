import { z } from 'zod';
import type { Scheduler } from '../core/scheduler.js';
import type { BusMessage } from './bus.js';

/** Options of {@link natsBus}: how to reach the servers, and the bus's own settings. */
export interface NatsBusOptions {
  /** Server URLs, e.g. `nats://gpu-1:4222`. @default 'nats://127.0.0.1:4222' */
  servers?: string | string[];
  /** The connection's name, shown by the server's monitoring. @default 'switchyard' */
  name?: string;
  token?: string;
  user?: string;
  pass?: string;
  /** TLS: `true` for the system's CAs, or files (PEM) for a private CA and a client certificate. */
  tls?: boolean | { caFile?: string; certFile?: string; keyFile?: string };
  /** Reconnect after a lost connection. @default true */
  reconnect?: boolean;
  /** Attempts per server before giving up; -1 for ever. @default -1 */
  maxReconnectAttempts?: number;
  /** Wait between attempts on one server (jittered), in ms. @default 250 */
  reconnectTimeWait?: number;
  /** How long the first connection may take, in ms. @default 5000 */
  timeoutMs?: number;
  /** Messages kept for replay to late subscribers (what this bus published or received). @default 1000 */
  historySize?: number;
  /**
   * Time, for expiry and publication stamps, and the timer of a request this bus answers
   * in-process; tests pass a `SimulatedScheduler`. A request that goes only to the server
   * times out on the NATS client's own timer. @default systemScheduler
   */
  scheduler?: Scheduler;
  /** Told about every handler that throws or rejects. */
  onHandlerError?: (error: unknown, message: BusMessage) => void;
}

/** {@link NatsBusOptions} as checked by `natsBus`: a bad one is `INVALID_INPUT` naming the field. */
export const NatsBusOptionsSchema = z.strictObject({
  servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  name: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  user: z.string().min(1).optional(),
  pass: z.string().optional(),
  tls: z
    .union([
      z.boolean(),
      z.strictObject({
        caFile: z.string().optional(),
        certFile: z.string().optional(),
        keyFile: z.string().optional(),
      }),
    ])
    .optional(),
  reconnect: z.boolean().optional(),
  maxReconnectAttempts: z.number().int().min(-1).optional(),
  reconnectTimeWait: z.number().int().min(1).optional(),
  timeoutMs: z.number().int().min(1).optional(),
  historySize: z.number().int().min(0).optional(),
  scheduler: z.custom<Scheduler>((v) => typeof v === 'object' && v !== null).optional(),
  onHandlerError: z.custom<(error: unknown, message: BusMessage) => void>((v) => typeof v === 'function').optional(),
});
