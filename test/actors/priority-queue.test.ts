import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PriorityQueue } from '../../src/actors/priority-queue.js';

type Item = { rank: number; id: number };
const before = (a: Item, b: Item) => a.rank > b.rank || (a.rank === b.rank && a.id < b.id);
const order = (a: Item, b: Item) => (before(a, b) ? -1 : before(b, a) ? 1 : 0);

describe('PriorityQueue', () => {
  it('hands items out in `before` order, whatever the order of pushes and pops', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(-1)), { maxLength: 200 }), (ops) => {
        const queue = new PriorityQueue<Item>(before);
        const model: Item[] = [];
        ops.forEach((op, id) => {
          if (op >= 0) {
            queue.push({ rank: op, id });
            model.push({ rank: op, id });
            model.sort(order);
          } else {
            expect(queue.pop()).toEqual(model.shift());
          }
          expect(queue.size).toBe(model.length);
        });
        expect(queue.clear().sort(order)).toEqual(model);
        expect(queue.size).toBe(0);
        expect(queue.pop()).toBeUndefined();
      }),
    );
  });
});
