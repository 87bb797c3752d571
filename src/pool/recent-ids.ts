/**
 * Ids seen lately, each with a tag, remembering at least the last `capacity` and at most twice
 * that, in O(1) per call: two generations of maps, the older dropped whole when the newer
 * fills. (Evicting the oldest entry of one Map or Set one at a time is not O(1): V8 leaves a
 * hole per deleted entry at the front, and finding the first live one walks them all.)
 */
export class RecentIds {
  readonly #capacity: number;
  #current = new Map<string, string>();
  #previous = new Map<string, string>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.#capacity = capacity;
  }

  /** Whether `id` was remembered with this `tag`. */
  has(id: string, tag = ''): boolean {
    return (this.#current.get(id) ?? this.#previous.get(id)) === tag;
  }

  /** Remembers `id` with `tag` (replacing another tag); false if it was remembered with this one already. */
  add(id: string, tag = ''): boolean {
    if (this.has(id, tag)) return false;
    if (this.#current.size >= this.#capacity) {
      this.#previous = this.#current;
      this.#current = new Map();
    }
    this.#current.set(id, tag);
    return true;
  }

  /** Forgets `id` (an attempt given back unstarted, which may come again as it is). */
  forget(id: string): void {
    this.#current.delete(id);
    this.#previous.delete(id);
  }
}
