/**
 * Adjacency in compressed sparse row form: the neighbours of node v are
 * `list[start[v]] … list[start[v + 1] - 1]`. Two typed arrays for a whole graph, instead of
 * an array object per node, keep a million-task graph off the garbage collector's hands.
 */
export interface Csr {
  /** `slots + 1` offsets into `list`. */
  readonly start: Int32Array;
  readonly list: Int32Array;
}

/** Appends rows in node order; each row is finished with {@link CsrBuilder.endRow}. */
export class CsrBuilder {
  readonly #start: Int32Array;
  #list: Int32Array;
  #length = 0;
  #row = 0;

  constructor(slots: number, expectedEdges = slots * 2) {
    this.#start = new Int32Array(slots + 1);
    this.#list = new Int32Array(Math.max(16, expectedEdges));
  }

  /** The neighbours added to the current row so far. */
  get rowLength(): number {
    return this.#length - this.#start[this.#row];
  }

  push(u: number): void {
    if (this.#length === this.#list.length) {
      const grown = new Int32Array(this.#list.length * 2);
      grown.set(this.#list);
      this.#list = grown;
    }
    this.#list[this.#length++] = u;
  }

  endRow(): void {
    this.#start[++this.#row] = this.#length;
  }

  finish(): Csr {
    while (this.#row < this.#start.length - 1) this.endRow();
    return { start: this.#start, list: this.#list.subarray(0, this.#length) };
  }
}

/**
 * The same edges, reversed (row u of the result lists every v whose row held u, ascending).
 * `rows` is how many values the targets range over; by default, as many as the input has rows.
 */
export function transpose(csr: Csr, rows = csr.start.length - 1): Csr {
  const slots = csr.start.length - 1;
  const start = new Int32Array(rows + 1);
  for (let k = 0; k < csr.list.length; k++) start[csr.list[k] + 1]++;
  for (let u = 0; u < rows; u++) start[u + 1] += start[u];
  const fill = start.slice(0, rows);
  const list = new Int32Array(csr.list.length);
  for (let v = 0; v < slots; v++) for (let k = csr.start[v]; k < csr.start[v + 1]; k++) list[fill[csr.list[k]]++] = v;
  return { start, list };
}

/** The neighbours of `v` (a view, not a copy). */
export function row(csr: Csr, v: number): Int32Array {
  return csr.list.subarray(csr.start[v], csr.start[v + 1]);
}

/** Whether `u` is among the neighbours of `v`. */
export function hasEdge(csr: Csr, v: number, u: number): boolean {
  for (let k = csr.start[v]; k < csr.start[v + 1]; k++) if (csr.list[k] === u) return true;
  return false;
}

/** A copy of every row as a plain array, for edits. */
export function toLists(csr: Csr): number[][] {
  const slots = csr.start.length - 1;
  const out = new Array<number[]>(slots);
  for (let v = 0; v < slots; v++) out[v] = Array.from(row(csr, v));
  return out;
}

/** Packs plain rows back into CSR form. */
export function fromLists(lists: readonly (readonly number[])[]): Csr {
  const builder = new CsrBuilder(
    lists.length,
    lists.reduce((s, l) => s + l.length, 0),
  );
  for (const l of lists) {
    for (const u of l) builder.push(u);
    builder.endRow();
  }
  return builder.finish();
}
