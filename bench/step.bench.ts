import pgraph from 'p-graph';
import { compilePlan } from '../dist/core/compiled-plan.js';
import { DispatchCore, type Outcome } from '../dist/core/dispatch-core.js';
import { type DispatchPolicy, resolveOptions } from '../dist/core/options.js';
import { simulate } from '../dist/index.js';
import { dagEdges, dagTasks, kahnExecutor } from './dag.js';
import { bestOf, memoryUsed, report, type Row, timed } from './harness.js';

const { PGraph } = pgraph;
const OK: Outcome = { ok: true, produced: [], summary: null };

async function pGraphRun(deps: readonly Int32Array[]): Promise<void> {
  const nodes: Record<string, object> = {};
  const edges: Array<[string, string]> = [];
  for (let v = 0; v < deps.length; v++) {
    nodes[`t${v}`] = {};
    for (const u of deps[v]) edges.push([`t${u}`, `t${v}`]);
  }
  await new PGraph(nodes, edges).run({ run: () => undefined });
}

/** The bench DAG compiled for a policy. */
export function compile(deps: readonly Int32Array[], policy: DispatchPolicy) {
  const options = resolveOptions({ policy });
  if (!options.ok) throw options.error;
  const plan = compilePlan({ tasks: dagTasks(deps), refs: [] }, options.value);
  if (!plan.ok) throw plan.error;
  return { plan: plan.value, options: options.value };
}

/** Drives a whole run through the core with instant successful results; returns tasks completed. */
function runCore(core: DispatchCore): number {
  core.begin();
  let done = 0;
  let queue = core.drain();
  while (queue.length > 0) {
    for (const d of queue) {
      core.result(d.task, OK);
      done++;
    }
    queue = core.drain();
  }
  if (core.runStatus !== 'complete') throw new Error(`bench run ended ${core.runStatus}`);
  return done;
}

/** Memory the plan's task objects, the compiled plan and a finished core keep, per task. */
async function coreBytes(deps: readonly Int32Array[]): Promise<number> {
  const before = await memoryUsed();
  const { plan, options } = compile(deps, 'strict');
  const core = new DispatchCore(plan, options);
  runCore(core);
  const bytes = (await memoryUsed()) - before;
  return core.plan.n > 0 ? bytes / core.plan.n : 0;
}

/** `npm run bench -- step`: the dispatch core on a 100k-task DAG beside a Kahn executor and p-graph. */
export async function stepBench(): Promise<void> {
  const n = 100_000;
  const deps = dagEdges(n);
  const edges = deps.reduce((s, d) => s + d.length, 0);
  let sink = 0;
  const kahnMs = bestOf(5, () => kahnExecutor(deps, (v) => (sink += v)));
  let pgraphMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 2; i++) pgraphMs = Math.min(pgraphMs, await timedAsync(() => pGraphRun(deps)));
  const rows: Row[] = [
    { name: 'Kahn executor (sync no-ops)', tasks: n, edges, ms: kahnMs, 'tasks/s': Math.round(n / (kahnMs / 1000)) },
    { name: 'p-graph 2.0 (sync no-ops)', tasks: n, edges, ms: pgraphMs, 'tasks/s': Math.round(n / (pgraphMs / 1000)) },
  ];
  const coreMs: Record<string, number> = {};
  for (const policy of ['strict', 'dependency'] as const) {
    const compiled = compile(deps, policy);
    const compileMs = timed(() => compile(deps, policy)).ms;
    const ms = bestOf(5, () => runCore(new DispatchCore(compiled.plan, compiled.options)));
    coreMs[policy] = ms;
    rows.push({
      name: `dispatch core, ${policy} (+ ${compileMs.toFixed(0)} ms to compile)`,
      tasks: n,
      edges,
      ms,
      'tasks/s': Math.round(n / (ms / 1000)),
    });
  }
  const small = dagTasks(dagEdges(1000));
  const plan = {
    agent: { name: 'planning_agent', type: 'operational' },
    output: { content: { workflow: { tasks: small } }, content_type: 'plan' },
  };
  const stepMs = timed(() => simulate(plan)).ms;
  rows.push({
    name: 'step() JSON protocol, whole run (O(tasks) per message)',
    tasks: 1000,
    edges: small.reduce((s, t) => s + t.depends_on.length, 0),
    ms: stepMs,
    'tasks/s': Math.round(1000 / (stepMs / 1000)),
  });
  const strict = coreMs.strict;
  const bytes100k = await coreBytes(deps);
  const bytes1m = await coreBytes(dagEdges(1_000_000));
  report('step', rows, {
    'core tasks/s (strict)': `${Math.round(n / (strict / 1000)).toLocaleString('en-US')} (target >= 1,000,000: ${n / (strict / 1000) >= 1e6 ? 'met' : 'MISSED'})`,
    'Kahn / core': `${(strict / kahnMs).toFixed(2)}x slower than the Kahn executor (target <= 10: ${strict / kahnMs <= 10 ? 'met' : 'MISSED'})`,
    'core / p-graph': `${(pgraphMs / strict).toFixed(2)}x faster than p-graph (target >= 5: ${pgraphMs / strict >= 5 ? 'met' : 'MISSED'})`,
    'bytes/task (plan objects + compiled plan + finished core)': `${Math.round(bytes100k)} at 100k, ${Math.round(bytes1m)} at 1M (target <= 1024 at 1M: ${bytes1m <= 1024 ? 'met' : 'MISSED'})`,
    sink: sink > 0 ? 'kept' : 'empty',
  });
}

async function timedAsync(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
