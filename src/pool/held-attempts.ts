import { RecentIds } from './recent-ids.js';

/**
 * The request ids each runtime of a pool holds on the bus: running, or finished with the result
 * not yet acknowledged (so a refreshing registration keeps them on it, and a drain waits for
 * their results). Also the triggers taken lately, so one sent again (its acknowledgement was
 * lost) runs once.
 */
export class HeldAttempts {
  readonly #byRuntime = new Map<string, Set<string>>();
  /**
   * Known by request id and send time: a copy sent again is the same message, while a later run
   * under a reused run id sends the same request ids anew. A reliable bus sends nothing again,
   * so there a repeat can only be one still held, and no window is kept.
   */
  readonly #taken: RecentIds | undefined;
  #count = 0;
  #whenEmpty: Array<() => void> = [];

  /** @param reliable whether the bus delivers each message once ({@link Bus.reliable}) */
  constructor(reliable: boolean) {
    this.#taken = reliable ? undefined : new RecentIds(100_000);
  }

  /** Attempts held now, over all runtimes. */
  get count(): number {
    return this.#count;
  }

  /** Takes the attempt of a trigger on `runtimeId`; false for a repeat, which must not run again. */
  take(runtimeId: string, requestId: string, sentAt: string): boolean {
    let mine = this.#byRuntime.get(runtimeId);
    if (!mine) this.#byRuntime.set(runtimeId, (mine = new Set<string>()));
    if (mine.has(requestId) || (this.#taken && !this.#taken.add(requestId, sentAt))) return false;
    mine.add(requestId);
    this.#count++;
    return true;
  }

  /** Whether `runtimeId` holds `requestId`. */
  holds(runtimeId: string, requestId: string): boolean {
    return this.#byRuntime.get(runtimeId)?.has(requestId) ?? false;
  }

  /** The request ids `runtimeId` holds. */
  of(runtimeId: string): string[] {
    return [...(this.#byRuntime.get(runtimeId) ?? [])];
  }

  /** Their results were delivered (or given up on): no longer held. */
  release(runtimeId: string, requestIds: Iterable<string>): void {
    const mine = this.#byRuntime.get(runtimeId);
    if (!mine) return;
    for (const id of requestIds) if (mine.delete(id)) this.#count--;
    this.#settled();
  }

  /** Given back unstarted: no longer held, and it may come again as it is. */
  giveBack(runtimeId: string, requestId: string): void {
    this.#taken?.forget(requestId);
    this.release(runtimeId, [requestId]);
  }

  /** The runtime is gone: forgets what it held and returns it. */
  drop(runtimeId: string): string[] {
    const handedBack = this.of(runtimeId);
    this.#byRuntime.delete(runtimeId);
    this.#count -= handedBack.length;
    this.#settled();
    return handedBack;
  }

  /** Resolves when no attempt is held (at once if none is). */
  empty(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#whenEmpty.push(resolve));
  }

  #settled(): void {
    if (this.#count > 0 || this.#whenEmpty.length === 0) return;
    for (const wake of this.#whenEmpty.splice(0)) wake();
  }
}
