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
