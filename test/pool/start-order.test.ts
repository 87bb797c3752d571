import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StartOrder } from '../../src/pool/start-order.js';

/**
 * A worker as the worker runtime is: it runs at most `concurrency` attempts and starts those it
 * holds in the order they came, the moment a running one ends; an attempt cancelled while held
 * is dropped without starting.
 */
class Worker {
  readonly running = new Set<number>();
  readonly held: number[] = [];
  readonly startOrder: number[] = [];
  constructor(readonly concurrency: number) {}
  receive(seq: number): void {
    this.held.push(seq);
    this.#fill();
  }
  end(seq: number): void {
    if (!this.running.delete(seq)) this.held.splice(this.held.indexOf(seq), 1);
    this.#fill();
  }
  #fill(): void {
    while (this.running.size < this.concurrency && this.held.length > 0) {
      const next = this.held.shift() as number;
      this.running.add(next);
      this.startOrder.push(next);
    }
  }
}

describe('StartOrder', () => {
  it("starts, as the host learns of each end, exactly the attempts the worker has started, in the worker's order", () => {
    const step = fc.oneof(
      fc.constant({ kind: 'send' as const }),
      fc.record({ kind: fc.constant('end' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(step, { maxLength: 80 }), (concurrency, steps) => {
        const order = new StartOrder(concurrency);
        const worker = new Worker(concurrency);
        const started: number[] = [];
        const outstanding: number[] = [];
        let seq = 0;
        for (const s of steps) {
          if (s.kind === 'send') {
            seq++;
            outstanding.push(seq);
            worker.receive(seq);
            if (order.sent(seq)) started.push(seq);
          } else if (outstanding.length > 0) {
            // Any attempt may end: a running one finishing, or a held one cancelled.
            const [ended] = outstanding.splice(s.pick % outstanding.length, 1);
            worker.end(ended);
            order.ended(ended, (next) => started.push(next));
          }
          expect(started).toEqual(worker.startOrder);
          expect(order.running).toBe(worker.running.size);
          expect(order.held).toBe(worker.held.length);
          expect(order.running).toBeLessThanOrEqual(concurrency);
        }
      }),
      { numRuns: 500 },
    );
  });
});
