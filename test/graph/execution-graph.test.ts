import { describe, expect, it } from 'vitest';
import { ExecutionGraph, type GraphProblem, type SwitchyardError } from '../../src/index.js';
import { examplePlan } from '../helpers/fixtures.js';
import { task, workflow } from '../helpers/plans.js';

function refused(plan: unknown): SwitchyardError {
  const built = ExecutionGraph.tryFromPlan(plan);
  if (built.ok) throw new Error('expected the plan to be refused');
  return built.error;
}

function reasons(error: SwitchyardError): string[] {
  return (error.details.problems as GraphProblem[]).map((p) => p.reason);
}

describe('ExecutionGraph.fromPlan on the example plan', () => {
  const graph = ExecutionGraph.fromPlan(examplePlan());

  it('keeps the 12 tasks and the planner groups', () => {
    expect(graph.size).toBe(12);
    expect(graph.groupSource).toBe('planner');
    expect(graph.groups()).toEqual([
      { group: 1, tasks: ['task_1'] },
      { group: 2, tasks: ['task_2'] },
      { group: 3, tasks: ['task_3', 'task_4'] },
      { group: 4, tasks: ['task_5', 'task_6'] },
      { group: 5, tasks: ['task_7', 'task_8', 'task_11'] },
      { group: 6, tasks: ['task_9', 'task_10'] },
      { group: 7, tasks: ['task_12'] },
    ]);
    expect(graph.maxParallelWidth()).toBe(3);
    expect(graph.warnings).toEqual([]);
  });

  it('adds the dependencies the refs imply (task_12 reads derived_3 from task_7)', () => {
    expect(graph.dependenciesOf('task_12')).toEqual(['task_9', 'task_10', 'task_11', 'task_7', 'task_8']);
    expect(graph.edgeRef('task_7', 'task_12')).toBe('derived_3');
    expect(graph.edgeRef('task_9', 'task_12')).toBe('derived_5');
    expect(graph.dependentsOf('task_5')).toEqual(['task_7', 'task_8', 'task_9']);
  });

  it('registers every ref with its starting status', () => {
    const refs = graph.refs();
    expect(refs.get('src_1')).toMatchObject({
      kind: 'source',
      status: 'reference',
      storage_uri: 'https://www.youtube.com/shorts/pcaYkGY996o',
    });
    expect(refs.get('store_1')).toMatchObject({ kind: 'storage', status: 'pending', storage_uri: null });
    expect(refs.get('derived_7')).toMatchObject({
      kind: 'derived',
      status: 'pending',
      asset_type: 'facial_expressions',
    });
    expect(graph.producersOf('derived_1')).toEqual(['task_5']);
  });

  it('finds the weighted critical path through the heavy diarization', () => {
    expect(graph.criticalPath()).toEqual({
      tasks: ['task_1', 'task_2', 'task_3', 'task_5', 'task_8', 'task_9', 'task_12'],
      weight: 14,
    });
    const light = ExecutionGraph.fromPlan(examplePlan(), { weights: { heavy: 1, medium: 1 } });
    expect(light.criticalPath().weight).toBe(7);
  });
});

describe('ExecutionGraph validation', () => {
  it('refuses an empty workflow with INVALID_INPUT', () => {
    const error = refused(workflow([]));
    expect(error.code).toBe('INVALID_INPUT');
    expect(reasons(error)).toEqual(['empty_workflow']);
  });

  it('refuses a repeated id in the list form and a key that disagrees with its id', () => {
    expect(reasons(refused({ tasks: [task('a'), task('a')] }))).toEqual(['duplicate_task_id']);
    const error = refused({ tasks: { a: task('a'), b: task('a') } });
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(reasons(error)).toEqual(['task_key_mismatch', 'duplicate_task_id']);
  });

  it('refuses an unknown depends_on id with VALIDATION_ERROR naming it', () => {
    const error = refused(workflow([task('a'), task('b', ['ghost'])]));
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.details).toMatchObject({ reason: 'unknown_dependency', task_id: 'b', depends_on: 'ghost' });
  });

  it('refuses a self dependency as a one-task cycle', () => {
    const error = refused(workflow([task('a', ['a'])]));
    expect(error.code).toBe('PROCESSING_ERROR');
    expect(error.details).toMatchObject({ reason: 'self_dependency', cycle: ['a', 'a'] });
  });

  it('names the cycle in dependency order (task_3 → task_7 → task_3)', () => {
    const error = refused(workflow([task('task_1'), task('task_3', ['task_1', 'task_7']), task('task_7', ['task_3'])]));
    expect(error.code).toBe('PROCESSING_ERROR');
    expect(error.details.cycle).toEqual(['task_3', 'task_7', 'task_3']);
    expect(error.message).toContain('task_3 → task_7 → task_3');
  });

  it('names a longer cycle that a ref closes', () => {
    const error = refused(
      workflow(
        [
          task('a', [], { input_refs: ['derived_1'] }),
          task('b', ['a']),
          task('c', ['b'], { output_refs: ['derived_1'] }),
        ],
        {
          derived_refs: [{ ref_id: 'derived_1', storage_uri: null }],
        },
      ),
    );
    expect(error.details.cycle).toEqual(['a', 'b', 'c', 'a']);
  });

  it('refuses an input ref that is declared nowhere and produced by no task', () => {
    const error = refused(
      workflow([task('a', [], { input_refs: ['src_9'] })], {
        source_refs: [{ ref_id: 'src_1', storage_uri: 'https://x' }],
      }),
    );
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.details).toMatchObject({ reason: 'unknown_ref', task_id: 'a', ref_id: 'src_9' });
  });

  it('refuses a pending ref that no task produces, and a task that reads only its own output', () => {
    expect(
      reasons(
        refused(
          workflow([task('a', [], { input_refs: ['derived_1'] })], {
            derived_refs: [{ ref_id: 'derived_1', storage_uri: null }],
          }),
        ),
      ),
    ).toEqual(['unproduced_ref']);
    expect(
      reasons(refused(workflow([task('a', [], { input_refs: ['derived_1'], output_refs: ['derived_1'] })]))),
    ).toEqual(['self_dependency']);
  });

  it('accepts refs in the keyed form and resolves source URIs from uri or url', () => {
    const graph = ExecutionGraph.fromPlan(
      workflow([task('a', [], { input_refs: ['src_1', 'src_2'] })], {
        source_refs: { src_1: { uri: 'https://a' }, src_2: { ref_id: 'src_2', url: 'https://b' } },
      }),
    );
    expect(graph.refs().get('src_1')).toMatchObject({ storage_uri: 'https://a', status: 'reference' });
    expect(graph.refs().get('src_2')).toMatchObject({ storage_uri: 'https://b' });
  });

  it('refuses a ref declared twice with different URIs', () => {
    const error = refused(
      workflow([task('a')], {
        source_refs: [{ ref_id: 'src_1', storage_uri: 'https://a' }],
        storage_refs: [{ ref_id: 'src_1', storage_uri: null }],
      }),
    );
    expect(reasons(error)).toEqual(['conflicting_ref']);
  });

  it('refuses a task depending on a task of the same or a later planner group', () => {
    const error = refused(workflow([task('a', [], { execution_group: 2 }), task('b', ['a'], { execution_group: 2 })]));
    expect(error.code).toBe('VALIDATION_ERROR');
    expect(error.details).toMatchObject({ reason: 'group_order', task_id: 'b', depends_on: 'a', groups: [2, 2] });
  });

  it('refuses a reader placed before the producer of its ref', () => {
    const error = refused(
      workflow([
        task('p', [], { execution_group: 2, output_refs: ['derived_1'] }),
        task('r', [], { execution_group: 1, input_refs: ['derived_1'] }),
      ]),
    );
    expect(error.details).toMatchObject({ reason: 'group_order', task_id: 'r', depends_on: 'p' });
    expect(error.message).toContain('reads derived_1');
  });

  it('checks execution_groups against each task and against the tasks that exist', () => {
    const groups = { '1': { tasks: ['a', 'ghost'] }, '2': { tasks: ['b', 'a'] } };
    const error = refused(
      workflow([task('a', [], { execution_group: 1 }), task('b', ['a'])], {}, { execution_groups: groups }),
    );
    expect(reasons(error)).toEqual(['unknown_group_task', 'conflicting_group']);
    const own = refused(
      workflow([task('a', [], { execution_group: 2 })], {}, { execution_groups: { '1': { tasks: ['a'] } } }),
    );
    expect(own.details).toMatchObject({ reason: 'conflicting_group', task_id: 'a', groups: [2, 1] });
  });

  it('refuses a plan where only some tasks have a group', () => {
    expect(reasons(refused(workflow([task('a', [], { execution_group: 1 }), task('b', ['a'])])))).toEqual([
      'missing_group',
    ]);
  });

  it('computes groups as levels when the plan gives none', () => {
    const graph = ExecutionGraph.fromPlan(
      workflow([task('d', ['b', 'c']), task('b', ['a']), task('c', ['a']), task('a')]),
    );
    expect(graph.groupSource).toBe('computed');
    expect(graph.groups()).toEqual([
      { group: 1, tasks: ['a'] },
      { group: 2, tasks: ['b', 'c'] },
      { group: 3, tasks: ['d'] },
    ]);
    expect(graph.topologicalOrder()).toEqual(['a', 'b', 'c', 'd']);
    expect(graph.depth()).toBe(3);
  });

  it('reports every problem at once and carries the first code', () => {
    const error = refused(workflow([task('a', ['x']), task('b', ['y'], { input_refs: ['nope'] })]));
    expect(reasons(error)).toEqual(['unknown_dependency', 'unknown_dependency', 'unknown_ref']);
    expect(error.message).toContain('2 more problems');
  });

  it('warns about total_tasks and execution_order without refusing the plan', () => {
    const graph = ExecutionGraph.fromPlan(
      workflow([task('a'), task('b', ['a'])], {}, { total_tasks: 3, execution_order: ['b', 'a', 'zz'] }),
    );
    expect(graph.warnings.map((w) => w.reason)).toEqual(['total_tasks_mismatch', 'execution_order_mismatch']);
    expect(graph.warnings[1].message).toContain('b comes before a');
  });

  it('refuses malformed plans with INVALID_INPUT and the zod path', () => {
    const error = refused({ tasks: { a: { id: 'a', action: 'x', capability_ids: [] } } });
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('tasks.a.capability_ids');
    expect(refused('plan').code).toBe('INVALID_INPUT');
    expect(
      refused({ agent: { name: 'planning_agent', type: 'operational' }, output: { content: {}, content_type: 'plan' } })
        .message,
    ).toContain('output.content.workflow');
  });

  it('refuses bad options eagerly with INVALID_INPUT naming the field', () => {
    const built = ExecutionGraph.tryFromPlan(workflow([task('a')]), { weights: { heavy: -1 } });
    expect(built.ok ? undefined : built.error.message).toContain('weights.heavy');
    expect(ExecutionGraph.tryFromPlan(workflow([task('a')]), { colour: 'red' } as never).ok).toBe(false);
  });
});

describe('ExecutionGraph edits', () => {
  const build = () => ExecutionGraph.fromPlan(workflow([task('a'), task('b', ['a']), task('c', ['b'])]));

  function codeOf(fn: () => void): string | undefined {
    try {
      fn();
    } catch (error) {
      return (error as SwitchyardError).code;
    }
    return undefined;
  }

  it('adds a task and recomputes order and groups', () => {
    const graph = build();
    graph.addTask(task('d', ['a']));
    expect(graph.size).toBe(4);
    expect(graph.groupOf('d')).toBe(2);
    expect(graph.dependentsOf('a')).toEqual(['b', 'd']);
    expect(graph.topologicalOrder()).toEqual(['a', 'b', 'd', 'c']);
  });

  it('refuses an edge that would close a cycle, naming it, and leaves the graph unchanged', () => {
    const graph = build();
    try {
      graph.addDependency('a', 'c');
      expect.unreachable();
    } catch (error) {
      expect((error as SwitchyardError).code).toBe('PROCESSING_ERROR');
      expect((error as SwitchyardError).details.cycle).toEqual(['a', 'b', 'c', 'a']);
    }
    expect(graph.dependenciesOf('a')).toEqual([]);
    expect(graph.topologicalOrder()).toEqual(['a', 'b', 'c']);
  });

  it('adds and removes dependencies, keeping depends_on in step', () => {
    const graph = build();
    graph.addDependency('c', 'a');
    expect(graph.task('c')?.depends_on).toEqual(['b', 'a']);
    graph.removeDependency('c', 'b');
    expect(graph.groupOf('c')).toBe(2);
    expect(graph.task('c')?.depends_on).toEqual(['a']);
    expect(codeOf(() => graph.removeDependency('c', 'b'))).toBe('VALIDATION_ERROR');
  });

  it('removes only tasks nothing depends on', () => {
    const graph = build();
    expect(codeOf(() => graph.removeTask('b'))).toBe('VALIDATION_ERROR');
    graph.removeTask('c');
    graph.removeTask('b');
    expect(graph.taskIds()).toEqual(['a']);
    expect(graph.has('b')).toBe(false);
    expect(codeOf(() => graph.dependenciesOf('b'))).toBe('VALIDATION_ERROR');
  });

  it('refuses to drop a dependency that a ref implies', () => {
    const graph = ExecutionGraph.fromPlan(
      workflow([task('p', [], { output_refs: ['derived_1'] }), task('r', ['p'], { input_refs: ['derived_1'] })]),
    );
    expect(codeOf(() => graph.removeDependency('r', 'p'))).toBe('VALIDATION_ERROR');
  });

  it('checks added tasks against planner groups and refs', () => {
    const graph = ExecutionGraph.fromPlan(examplePlan());
    expect(codeOf(() => graph.addTask(task('task_13', ['task_12'])))).toBe('VALIDATION_ERROR');
    expect(codeOf(() => graph.addTask(task('task_13', ['task_12'], { execution_group: 7 })))).toBe('VALIDATION_ERROR');
    expect(codeOf(() => graph.addTask(task('task_13', [], { execution_group: 8, input_refs: ['derived_99'] })))).toBe(
      'VALIDATION_ERROR',
    );
    expect(codeOf(() => graph.addTask({ id: 'x' } as never))).toBe('INVALID_INPUT');
    graph.addTask(
      task('task_13', ['task_12'], { execution_group: 8, input_refs: ['derived_7'], output_refs: ['derived_8'] }),
    );
    expect(graph.groups().at(-1)).toEqual({ group: 8, tasks: ['task_13'] });
    expect(graph.dependenciesOf('task_13')).toEqual(['task_12', 'task_11']);
    expect(graph.refs().get('derived_8')?.status).toBe('pending');
  });

  it('grows past its initial capacity', () => {
    const graph = ExecutionGraph.fromPlan(workflow([task('t0')]));
    for (let i = 1; i < 40; i++) graph.addTask(task(`t${i}`, [`t${i - 1}`]));
    expect(graph.depth()).toBe(40);
    expect(graph.criticalPath().tasks).toHaveLength(40);
  });
});
