import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CompiledPlan } from '../../src/core/compiled-plan.js';
import { producedRefs } from '../../src/core/produced-refs.js';
import { CsrBuilder } from '../../src/graph/csr.js';

/** The two fields `producedRefs` reads, for `declared[v]` (ref indexes) per task over refs `ref_0`…. */
function planOf(declared: number[][], refs: number): CompiledPlan {
  const outputs = new CsrBuilder(declared.length, declared.flat().length);
  for (const row of declared) {
    for (const r of row) outputs.push(r);
    outputs.endRow();
  }
  const refIndex = new Map(Array.from({ length: refs }, (_, r) => [`ref_${r}`, r]));
  return { outputs: outputs.finish(), refIndex } as unknown as CompiledPlan;
}

describe('producedRefs', () => {
  it('keeps exactly the reported refs the task declares, in order, and names the rest', () => {
    const refs = 48;
    // Up to 40 declared and 40 reported, so both the scan and the set lookup are taken.
    const declaredRow = fc.uniqueArray(fc.integer({ min: 0, max: refs - 1 }), { maxLength: 40, size: 'max' });
    const reportedId = fc.oneof(
      fc.integer({ min: 0, max: refs - 1 }).map((r) => `ref_${r}`),
      fc.constant('not_a_ref'),
    );
    fc.assert(
      fc.property(
        fc.array(declaredRow, { minLength: 1, maxLength: 4 }),
        fc.nat(),
        fc.array(reportedId, { maxLength: 40, size: 'max' }),
        (declared, pick, ids) => {
          const v = pick % declared.length;
          const reported = ids.map((ref_id, k) => ({ ref_id, storage_uri: `file:///out/${k}` }));
          const { produced, undeclared } = producedRefs(planOf(declared, refs), v, reported);
          const mine = (id: string) => declared[v].some((r) => `ref_${r}` === id);
          expect(produced).toEqual(
            reported.filter((p) => mine(p.ref_id)).map((p) => ({ ref: Number(p.ref_id.slice(4)), uri: p.storage_uri })),
          );
          expect(undeclared).toEqual(ids.filter((id) => !mine(id)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
