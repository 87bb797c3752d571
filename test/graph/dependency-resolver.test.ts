import { describe, expect, it } from 'vitest';
import { DependencyResolver, ExecutionGraph } from '../../src/index.js';
import { examplePlan } from '../helpers/fixtures.js';
import { task, workflow } from '../helpers/plans.js';

const derived = (...ids: string[]) => ({ derived_refs: ids.map((ref_id) => ({ ref_id, storage_uri: null })) });

describe('DependencyResolver', () => {
  it('infers depends_on from refs: a reader depends on the producer', () => {
    const graph = ExecutionGraph.fromPlan(
      workflow(
        [
          task('p', [], { output_refs: ['derived_1'] }),
          task('q', [], { output_refs: ['derived_2'] }),
          task('r', [], { input_refs: ['derived_2', 'derived_1'] }),
        ],
        derived('derived_1', 'derived_2'),
      ),
    );
    const resolver = new DependencyResolver(graph);
    expect(resolver.inferredDependencies().get('r')).toEqual(['q', 'p']);
    expect(resolver.missingDependencies()).toEqual([
      { task_id: 'r', depends_on: 'q', ref_id: 'derived_2' },
      { task_id: 'r', depends_on: 'p', ref_id: 'derived_1' },
    ]);
    expect(graph.dependenciesOf('r')).toEqual(['q', 'p']);
  });

  it('does not call a ref dependency missing when the declared ones already cover it', () => {
    const report = new DependencyResolver(ExecutionGraph.fromPlan(examplePlan())).analyze();
    expect(report.missing).toEqual([]);
    expect(report.redundant).toEqual([{ task_id: 'task_9', depends_on: 'task_5' }]);
    expect(report.multipleProducers).toEqual([]);
  });

  it('reports refs produced by two tasks, and adds no edge for them', () => {
    const graph = ExecutionGraph.fromPlan(
      workflow(
        [
          task('p1', [], { output_refs: ['derived_1'] }),
          task('p2', [], { output_refs: ['derived_1'] }),
          task('r', [], { input_refs: ['derived_1'] }),
        ],
        derived('derived_1'),
      ),
    );
    expect(new DependencyResolver(graph).multipleProducers()).toEqual([
      { ref_id: 'derived_1', producers: ['p1', 'p2'] },
    ]);
    expect(graph.dependenciesOf('r')).toEqual([]);
    expect(graph.warnings.map((w) => w.reason)).toEqual(['ambiguous_producer']);
  });

  it('finds a redundant declared dependency (transitive reduction)', () => {
    const graph = ExecutionGraph.fromPlan(
      workflow([task('a'), task('b', ['a']), task('c', ['b']), task('d', ['a', 'c', 'b'])]),
    );
    const resolver = new DependencyResolver(graph);
    expect(resolver.redundantDependencies()).toEqual([
      { task_id: 'd', depends_on: 'a' },
      { task_id: 'd', depends_on: 'b' },
    ]);
    expect(resolver.normalizedTasks().find((t) => t.id === 'd')?.depends_on).toEqual(['c']);
  });
});
