import type { z } from 'zod';
import type { Result } from './errors.js';
import { parseTagged, parseWith } from './parse.js';

/**
 * Messages Switchyard's own actors built, as typed values, for the in-process bus: a handler
 * that receives one of these very objects (not a copy — nothing crossed a process or a
 * serializer) knows its shape already and need not check it again. Anything else — a message
 * decoded from NATS, one a user published — is not vetted and is checked in full.
 */
const vetted = new WeakSet<object>();

/** Marks a message this process built from typed values; returns it. */
export function vet<T extends object>(message: T): T {
  vetted.add(message);
  return message;
}

/** Whether `value` is a message {@link vet} marked. */
export function isVetted(value: unknown): boolean {
  return typeof value === 'object' && value !== null && vetted.has(value);
}

/**
 * Reads a message's data as `schema` says: a message {@link vet} marked is taken as it is (this
 * process built it from typed values of that shape, and nothing crossed a serializer), anything
 * else is parsed in full, a violation being the `INVALID_INPUT` error of {@link parseWith}.
 * `kinds` names what is read, for that error: one name, or the tagged kinds a union accepts
 * ({@link parseTagged}).
 */
export function parseUnlessVetted<S extends z.ZodType>(
  schema: S,
  value: unknown,
  kinds: string | readonly string[],
): Result<z.infer<S>> {
  // The one place a vetted message is trusted without a parse: vet's contract is its type.
  if (isVetted(value)) return { ok: true, value: value as z.infer<S> };
  return typeof kinds === 'string' ? parseWith(schema, value, kinds) : parseTagged(schema, value, kinds);
}
