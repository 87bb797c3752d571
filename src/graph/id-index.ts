/**
 * A map from task id to slot, with a fast path for the ids planners actually write.
 *
 * Planners name tasks `task_1 … task_N`. A `Map<string, number>` with a million such keys
 * costs ~1 µs per lookup here (hashing and cache misses dominate graph building), while
 * reading the decimal suffix and indexing a typed array costs a tenth of that. So ids of the
 * form `<prefix><canonical decimal>` — one prefix, fixed by the first id added, numbers below
 * a bound that grows with the index — live in an `Int32Array`; every other id lives in a
 * `Map`. Lookups try the same split, so the two parts never disagree.
 */
export class IdIndex {
  #prefix: string | undefined;
  /** slot + 1 per number; 0 where there is none. */
  #dense = new Int32Array(0);
  readonly #other = new Map<string, number>();
  #size = 0;

  get size(): number {
    return this.#size;
  }

  get(id: string): number | undefined {
    const k = this.#number(id);
    if (k >= 0 && k < this.#dense.length && this.#dense[k] !== 0) return this.#dense[k] - 1;
    return this.#other.get(id);
  }

  has(id: string): boolean {
    return this.get(id) !== undefined;
  }

  /** Adds `id` (which must not be present) at `slot`. */
  set(id: string, slot: number): void {
    if (this.#prefix === undefined) this.#prefix = prefixOf(id);
    const k = this.#number(id);
    if (k >= 0 && this.#fits(k)) this.#dense[k] = slot + 1;
    else this.#other.set(id, slot);
    this.#size++;
  }

  delete(id: string): boolean {
    const k = this.#number(id);
    if (k >= 0 && k < this.#dense.length && this.#dense[k] !== 0) {
      this.#dense[k] = 0;
      this.#size--;
      return true;
    }
    const had = this.#other.delete(id);
    if (had) this.#size--;
    return had;
  }

  /** Whether number `k` can go into the dense part, growing it when that stays proportionate. */
  #fits(k: number): boolean {
    if (k < this.#dense.length) return true;
    const limit = Math.max(1024, 4 * (this.#size + 1));
    if (k >= limit) return false;
    const grown = new Int32Array(Math.min(limit, Math.max(k + 1, this.#dense.length * 2)));
    grown.set(this.#dense);
    this.#dense = grown;
    return true;
  }

  /** The id's number when it is the prefix followed by a canonical decimal (no leading zeros), else -1. */
  #number(id: string): number {
    const prefix = this.#prefix;
    if (prefix === undefined || id.length <= prefix.length || id.length > prefix.length + 9 || !id.startsWith(prefix))
      return -1;
    const start = prefix.length;
    if (id.charCodeAt(start) === 48 && id.length > start + 1) return -1;
    let k = 0;
    for (let i = start; i < id.length; i++) {
      const digit = id.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) return -1;
      k = k * 10 + digit;
    }
    return k;
  }
}

/** `id` without its trailing decimal digits (the whole id when it has none). */
function prefixOf(id: string): string {
  let end = id.length;
  while (end > 0 && id.charCodeAt(end - 1) >= 48 && id.charCodeAt(end - 1) <= 57) end--;
  return id.slice(0, end);
}
