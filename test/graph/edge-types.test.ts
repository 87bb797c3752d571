import { describe, expect, it } from 'vitest';
import { countByType } from '../../src/graph/edge-types.js';
import { ExecutionGraph } from '../../src/graph/execution-graph.js';
import { task, workflow } from '../helpers/plans.js';

const declared = { type: 'logical', origin: 'declared', reason: 'declared in depends_on' } as const;

describe('typedEdges', () => {
  it('types edges without dependencies entries: a ref read is data, any other declared edge logical', () => {
    const g = ExecutionGraph.fromPlan(
      workflow([
        task('a', [], { output_refs: ['r1'] }),
        task('b', ['a'], { input_refs: ['r1'] }),
        task('c', ['b']),
        task('d', [], { input_refs: ['r1'] }),
      ]),
    );
    expect(g.typedEdges()).toEqual([
      {
        task_id: 'b',
        depends_on: 'a',
        type: 'data',
        origin: 'inferred',
        reason: 'reads r1, which a produces',
        ref_id: 'r1',
      },
      { task_id: 'c', depends_on: 'b', ...declared },
      {
        task_id: 'd',
        depends_on: 'a',
        type: 'data',
        origin: 'inferred',
        reason: 'reads r1, which a produces',
        ref_id: 'r1',
      },
    ]);
  });

  it('takes the strongest well-formed dependencies entry, skipping malformed ones', () => {
    const g = ExecutionGraph.fromPlan(
      workflow([
        task('a'),
        task('b', ['a'], {
          dependencies: [
            { task_id: 'a', type: 'logical', origin: 'model', reason: 'model' },
            { task_id: 'a', type: 'resource', origin: 'declared', reason: 'turns', resource: 'db' },
            { task_id: 'a', type: 'nonsense', origin: 'declared', reason: 'bad' },
          ],
        }),
        task('c', ['b'], { dependencies: 'not a list' }),
      ]),
    );
    expect(g.typedEdges()).toEqual([
      { task_id: 'b', depends_on: 'a', type: 'resource', origin: 'declared', reason: 'turns', resource: 'db' },
      { task_id: 'c', depends_on: 'b', ...declared },
    ]);
  });

  it('keeps a ref read data even when an entry calls the edge logical', () => {
    const g = ExecutionGraph.fromPlan(
      workflow([
        task('a', [], { output_refs: ['r1'] }),
        task('b', ['a'], {
          input_refs: ['r1'],
          dependencies: [{ task_id: 'a', type: 'logical', origin: 'declared', reason: 'said so' }],
        }),
      ]),
    );
    expect(g.typedEdges()).toEqual([
      {
        task_id: 'b',
        depends_on: 'a',
        type: 'data',
        origin: 'inferred',
        reason: 'reads r1, which a produces',
        ref_id: 'r1',
      },
    ]);
  });

  it('sees a declared edge to one of several producers of a ref read as data', () => {
    const g = ExecutionGraph.fromPlan(
      workflow([
        task('a', [], { output_refs: ['r1'] }),
        task('b', [], { output_refs: ['r1'] }),
        task('c', ['b'], { input_refs: ['r1'] }),
      ]),
    );
    expect(g.typedEdges()).toEqual([
      {
        task_id: 'c',
        depends_on: 'b',
        type: 'data',
        origin: 'inferred',
        reason: 'reads r1, which b produces',
        ref_id: 'r1',
      },
    ]);
    expect(countByType(g.typedEdges())).toEqual({ data: 1, logical: 0, resource: 0 });
  });
});
