/**
 * Ids seen lately, remembering at least the last `capacity` and at most twice that, in O(1) per
 * call: two generations of sets, the older dropped whole when the newer fills. (Evicting the
 * oldest entry of one Set one at a time is not O(1): V8 leaves a hole per deleted entry at the
 * front, and finding the first live one walks them all.)
 */
export class RecentIds {
  readonly #capacity: number;
  #current = new Set<string>();
  #previous = new Set<string>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.#capacity = capacity;
  }

  has(id: string): boolean {
    return this.#current.has(id) || this.#previous.has(id);
  }

  /** Remembers `id`; false if it was already remembered. */
  add(id: string): boolean {
    if (this.has(id)) return false;
    if (this.#current.size >= this.#capacity) {
      this.#previous = this.#current;
      this.#current = new Set();
    }
    this.#current.add(id);
    return true;
  }
}
