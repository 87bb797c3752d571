import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdIndex } from '../../src/graph/id-index.js';

const ids = fc.oneof(
  fc.nat({ max: 5000 }).map((n) => `task_${n}`),
  fc.nat({ max: 50 }).map((n) => `task_0${n}`),
  fc.nat({ max: 50 }).map((n) => `other_${n}`),
  fc.constantFrom('task_', 'task', 'task_1x', '7', 'task_99999999999', ''),
  fc.string({ maxLength: 6 }),
);

describe('IdIndex', () => {
  it('behaves exactly like a Map for any mix of ids, sets and deletes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('set', 'delete', 'get'), ids), { maxLength: 300 }), (ops) => {
        const index = new IdIndex();
        const model = new Map<string, number>();
        ops.forEach(([op, id], i) => {
          if (op === 'set' && !model.has(id)) {
            index.set(id, i);
            model.set(id, i);
          } else if (op === 'delete') {
            expect(index.delete(id)).toBe(model.delete(id));
          }
          expect(index.get(id)).toBe(model.get(id));
          expect(index.size).toBe(model.size);
        });
        for (const [id, slot] of model) expect(index.get(id)).toBe(slot);
      }),
    );
  });

  it('keeps task_1 and task_01 apart', () => {
    const index = new IdIndex();
    index.set('task_1', 0);
    index.set('task_01', 1);
    expect([index.get('task_1'), index.get('task_01'), index.get('task_001')]).toEqual([0, 1, undefined]);
  });
});
