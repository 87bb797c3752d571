/**
 * Collects items per runtime and hands each runtime's items of one turn to `send` together,
 * at the turn's check phase. `setImmediate` is a turn of the event loop, not time: it stays
 * Node's whatever the scheduler.
 */
export function perTurn<T>(send: (runtimeId: string, items: T[]) => void): (runtimeId: string, item: T) => void {
  const pending = new Map<string, T[]>();
  return (runtimeId, item) => {
    const items = pending.get(runtimeId);
    if (items) {
      items.push(item);
      return;
    }
    pending.set(runtimeId, [item]);
    setImmediate(() => {
      const batch = pending.get(runtimeId) ?? [];
      pending.delete(runtimeId);
      send(runtimeId, batch);
    });
  };
}
