import { ExecutionGraph, type TaskSpec } from '../dist/index.js';
import { dagEdges, dagTasks, kahnExecutor } from './dag.js';

const noop = (): void => undefined;
import { bestOf, memoryUsed, report, type Row } from './harness.js';

function analyse(tasks: readonly TaskSpec[]): ExecutionGraph {
  const built = ExecutionGraph.tryFromInput({ tasks, refs: [] });
  if (!built.ok) throw built.error;
  const graph = built.value;
  graph.topologicalOrder();
  graph.groups();
  graph.criticalPath();
  return graph;
}

/** Memory a built and analysed graph keeps (the plan's own objects excluded), and its group count. */
async function retained(tasks: readonly TaskSpec[]): Promise<{ bytes: number; groups: number }> {
  const before = await memoryUsed();
  const graph = analyse(tasks);
  const bytes = (await memoryUsed()) - before;
  return { bytes, groups: graph.groups().length };
}

/** `npm run bench -- graph`: validate + order + groups + critical path at 100k and 1M tasks. */
export async function graphBench(): Promise<void> {
  const rows: Row[] = [];
  const ms: Record<number, number> = {};
  const kahnMs: Record<number, number> = {};
  for (const n of [100_000, 1_000_000]) {
    let deps: Int32Array[] | undefined = dagEdges(n);
    const tasks = dagTasks(deps);
    const edges = deps.reduce((s, d) => s + d.length, 0);
    // The same number of runs at both sizes: a best of 5 against a best of 2 would favour the small one.
    const runs = 3;
    const kahn = bestOf(runs, () => kahnExecutor(deps as Int32Array[], noop));
    // Let the edge lists go now, so they are not collected between the two readings below.
    deps = undefined;
    const { bytes, groups } = await retained(tasks);
    const bytesPerTask = bytes / n;
    const best = bestOf(runs, () => analyse(tasks), false);
    ms[n] = best;
    kahnMs[n] = kahn;
    rows.push({
      name: `${n.toLocaleString('en-US')} tasks`,
      edges,
      'graph ms': best,
      'tasks/s': Math.round(n / (best / 1000)),
      'raw Kahn ms': kahn,
      'x raw Kahn': best / kahn,
      groups,
      'graph bytes/task': Math.round(bytesPerTask),
    });
  }
  const ratio = ms[1_000_000] / ms[100_000];
  const kahnRatio = kahnMs[1_000_000] / kahnMs[100_000];
  report('graph', rows, {
    'time at 1M': `${Math.round(ms[1_000_000])} ms (target <= 3000 ms: ${ms[1_000_000] <= 3000 ? 'met' : 'MISSED'})`,
    'time ratio 1M / 100k': `${ratio.toFixed(2)} for 10x the work (target <= 12: ${ratio <= 12 ? 'met' : 'MISSED'}); raw Kahn on the same DAGs: ${kahnRatio.toFixed(2)}`,
  });
}
