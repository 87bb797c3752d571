import { describe, expect, it } from 'vitest';
import { ExecutionGraph } from '../../src/index.js';
import { examplePlan } from '../helpers/fixtures.js';
import { task, workflow } from '../helpers/plans.js';

describe('toMermaid', () => {
  const graph = ExecutionGraph.fromPlan(examplePlan());

  it('draws a flowchart with group subgraphs, data edges solid with their ref, logical ones dotted', () => {
    const text = graph.toMermaid();
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('flowchart TD');
    expect(lines[1]).toMatch(/^ {2}%% edges: /u);
    expect(lines).toContain('  subgraph group_5 ["Group 5"]');
    expect(lines).toContain('    task_5["task_5: Extract audio track from store_1"]');
    // task_7 declares task_5 and reads derived_1 from it; task_12 reads derived_3 without declaring task_7: both data.
    expect(lines).toContain('  task_5 -- "derived_1" --> task_7');
    expect(lines).toContain('  task_7 -- "derived_3" --> task_12');
    expect(lines).toContain('  task_3 -. "logical" .-> task_5');
    expect(lines.filter((l) => l.includes('-->') || l.includes('.->'))).toHaveLength(19);
  });

  it('draws a resource edge dotted with a circle end, labelled with the resource', () => {
    const g = ExecutionGraph.fromPlan(
      workflow([
        task('task_1'),
        {
          ...task('task_2', ['task_1']),
          dependencies: [
            { task_id: 'task_1', type: 'resource', origin: 'inferred', reason: 'takes turns', resource: 'gpu "0"' },
          ],
        },
      ]),
    );
    expect(g.toMermaid({ groups: false })).toContain('  task_1 -. "resource: gpu #quot;0#quot;" .-o task_2');
  });

  it('colours tasks by status with one classDef per status used', () => {
    const lines = graph.toMermaid({ status: { task_5: 'failed', task_7: 'skipped', task_1: 'complete' } }).split('\n');
    expect(lines).toContain('  class task_5 failed');
    expect(lines).toContain('  class task_7 skipped');
    expect(lines.filter((l) => l.startsWith('  classDef '))).toHaveLength(3);
    expect(lines.some((l) => l.startsWith('  classDef in_progress'))).toBe(false);
  });

  it('draws the critical path thick and can lay out left to right without groups', () => {
    const text = graph.toMermaid({ criticalPath: true, direction: 'LR', groups: false });
    expect(text.startsWith('flowchart LR\n')).toBe(true);
    expect(text).not.toContain('subgraph');
    expect(text).toMatch(/ {2}linkStyle (\d+,){5}\d+ stroke-width:4px/u);
  });

  it('escapes quotes and brackets, and renames ids Mermaid cannot take', () => {
    const g = ExecutionGraph.fromPlan(workflow([task('end', [], { action: 'say "hi" <b>' }), task('a-b', ['end'])]));
    const text = g.toMermaid({ groups: false });
    expect(text).toContain('t0["end: say #quot;hi#quot; #lt;b#gt;"]');
    expect(text).toContain('t0 -. "logical" .-> t1');
  });

  it('never gives a renamed task the node id of another task', () => {
    const g = ExecutionGraph.fromPlan(workflow([task('a-b'), task('t0', ['a-b'])]));
    const text = g.toMermaid({ groups: false });
    expect(text).toContain('  t1["a-b: do a-b"]');
    expect(text).toContain('  t0["t0: do t0"]');
    expect(text).toContain('  t1 -. "logical" .-> t0');
  });

  it("colours only by the six statuses, read from the map's own keys", () => {
    const status = JSON.parse('{"task_5": "failed", "task_7": "bogus;click task_7 call x()"}') as Record<
      string,
      'failed'
    >;
    const text = graph.toMermaid({ status });
    expect(text).toContain('  class task_5 failed');
    expect(text).not.toContain('class task_7');
    expect(text).not.toContain('click');
  });
});
