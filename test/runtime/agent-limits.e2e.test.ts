import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/index.js';

const LIMITED = new URL('../fixtures/agents/limited-agents.mjs', import.meta.url);
const quiet = pino({ level: 'silent' });
let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.close({ cancel: true });
  rt = undefined;
});

const routes = [
  { prefix: 'CAP-COD-', agent: 'code_writer', reason: 'writes code' },
  { prefix: 'CAP-RES-', agent: 'researcher', reason: 'researches' },
];
const task = (id: string, capability: string) => ({
  id,
  action: id,
  capability_ids: [capability],
  depends_on: [],
  input_refs: [],
  output_refs: [],
});

/** The largest number of intervals that overlap at one instant. */
function mostAtOnce(spans: { start: number; end: number }[]): number {
  const edges = spans.flatMap((s) => [
    [s.start, 1],
    [s.end, -1],
  ]);
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (now += d));
  return most;
}

describe('agentLimits and agentFactory through createRuntime, on real worker threads', () => {
  it('runs at most agentLimits.code_writer attempts of it at once across two runs, while another agent is not held back', async () => {
    rt = await createRuntime({
      agents: [LIMITED],
      routes,
      agentFactory: { defaultPoolSize: 2, maxTotalAgents: 8 },
      agentLimits: { code_writer: 1 },
      logger: quiet,
    });
    expect(rt.pool?.runtimes()).toHaveLength(2);
    const spans: Record<string, { start: number; end: number }[]> = { code_writer: [], researcher: [] };
    const runs = ['a', 'b'].map((name) =>
      (rt as Runtime).submit(
        {
          tasks: [1, 2, 3, 4].flatMap((i) => [
            task(`task_${i}`, `CAP-COD-00${i}`),
            task(`task_${i + 4}`, `CAP-RES-00${i}`),
          ]),
        },
        { runId: `run-${name}` },
      ),
    );
    for (const run of runs)
      run.on('result', (r) => {
        if (r.outcome.status !== 'complete') return;
        const agent = Number(r.task_id.slice(5)) <= 4 ? 'code_writer' : 'researcher';
        spans[agent].push(JSON.parse(r.outcome.summary as string) as { start: number; end: number });
      });
    for (const run of runs) expect((await run.result).status).toBe('complete');
    expect(spans.code_writer).toHaveLength(8);
    expect(mostAtOnce(spans.code_writer)).toBe(1);
    // 2 threads × 4 attempts each (maxTotalAgents 8): the unlimited agent does run side by side.
    expect(mostAtOnce(spans.researcher)).toBeGreaterThan(1);
  });

  it('refuses contradictory settings with INVALID_INPUT naming the fields', async () => {
    const refusal = (options: Record<string, unknown>) =>
      createRuntime({ agents: [LIMITED], logger: quiet, ...options }).then(
        async (r) => {
          await r.close();
          return undefined;
        },
        (e: unknown) => e as { code: string; details?: { fields?: string[] }; message: string },
      );
    const cases: [Record<string, unknown>, string[]][] = [
      [
        { agentFactory: { defaultPoolSize: 2 }, pool: { maxThreads: 3 } },
        ['agentFactory.defaultPoolSize', 'pool.maxThreads'],
      ],
      [
        { agentFactory: { defaultPoolSize: 3, maxTotalAgents: 2 } },
        ['agentFactory.defaultPoolSize', 'agentFactory.maxTotalAgents'],
      ],
      [
        { agentFactory: { maxTotalAgents: 4 }, pool: { maxThreads: 2, concurrentTasksPerWorker: 3 } },
        ['pool.concurrentTasksPerWorker', 'agentFactory.maxTotalAgents'],
      ],
      [
        { agentFactory: { maxTotalAgents: 4 }, agentLimits: { code_writer: 5 } },
        ['agentLimits.code_writer', 'agentFactory.maxTotalAgents'],
      ],
    ];
    for (const [options, fields] of cases) {
      const error = await refusal(options);
      expect(error?.code, JSON.stringify(options)).toBe('INVALID_INPUT');
      expect(error?.details?.fields).toEqual(fields);
    }
    for (const bad of [
      { agentLimits: { code_writer: 0 } },
      { agentLimits: { 'a.b': 1 } },
      { agentFactory: { poolSize: 2 } },
    ]) {
      const error = await refusal(bad);
      expect(error?.code, JSON.stringify(bad)).toBe('INVALID_INPUT');
    }
  });
});
