import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { OutputMessage } from '../../src/core/step.js';
import { simulate } from '../../src/core/simulate.js';
import { readPlan } from '../../src/graph/plan-input.js';
import { decomposeWithPatterns } from '../../src/planning/decompose.js';
import { readSpecification } from '../../src/planning/read-spec.js';
import type { WorkflowResult } from '../../src/protocol/dispatch-output.js';
import { type AttemptRecord, ExecutionResultSchema, type TaskOutcome } from '../../src/protocol/execution-result.js';
import { AttemptLog } from '../../src/runtime/attempt-log.js';
import { agentMetrics, buildExecutionResult } from '../../src/runtime/execution-result.js';

const SPEC = new URL('../../examples/specs/todo-cli.md', import.meta.url);
const GOLDEN = fileURLToPath(new URL('../fixtures/golden/todo-cli-report.md', import.meta.url));

/**
 * todo-cli.md planned by the pattern rules and run through `simulate` (step with synthetic
 * results, one simulated second per step) with task_7 failing for good and task_3 failing once:
 * the attempts are recorded by an AttemptLog on the simulation's time, and each CAP-SYN result
 * reports token usage as an LLM agent would. Everything is fixed: time, ids, order.
 */
function simulatedExecution() {
  const spec = readSpecification(readFileSync(SPEC, 'utf8'));
  if (!spec.ok) throw spec.error;
  const planned = decomposeWithPatterns(spec.value, { timestamp: '2026-12-05T10:00:00+00:00' });
  if (!planned.ok) throw planned.error;
  const { plan, report } = planned.value;
  const sim = simulate(plan, { fail: { task_7: { recoverable: false }, task_3: { recoverable: true, times: 1 } } });
  let now = 0;
  const log = new AttemptLog({ now: () => now });
  let end: WorkflowResult | undefined;
  for (const s of sim.steps) {
    now = s.at;
    const input = s.input as {
      output?: { content?: { task_result?: Record<string, unknown> } };
      error?: Record<string, unknown>;
    };
    const r = input.output?.content?.task_result;
    if (r) {
      const task = String(r.task_id);
      const error = input.error as { code: string; message: string; recoverable: boolean } | undefined;
      const fusion = task === 'task_13';
      log.ended(task, Number(r.attempt), {
        runtimeId: 'sim-t1',
        ...(error ? { status: 'failed', error } : { status: 'complete', summary: String(r.result_summary) }),
        ...(fusion
          ? { usage: { prompt_tokens: 900, completion_tokens: 300, total_tokens: 1200, model: 'sim-model' } }
          : {}),
      });
    }
    for (const m of s.messages as OutputMessage[]) {
      const content = m.output.content as {
        dispatch?: { task_id: string; attempt: number };
        workflow_result?: WorkflowResult;
      };
      if (content.dispatch)
        log.dispatched(content.dispatch.task_id, content.dispatch.attempt, m.next_agent?.name ?? '?');
      if (content.workflow_result) end = content.workflow_result;
    }
  }
  const input = readPlan(plan);
  if (!input.ok || !end || !sim.state) throw new Error('the simulation did not finish');
  return buildExecutionResult({
    runId: 'run-golden',
    plan,
    tasks: input.value.tasks,
    planning: { ...report },
    result: end,
    state: sim.state,
    attempts: (id) => log.attempts(id),
    startedAt: sim.steps[0].at,
    endedAt: now,
  });
}

describe('the ExecutionResult and its Markdown report', () => {
  it('gives the golden report for todo-cli.md on simulated time (UPDATE_GOLDEN=1 rewrites it)', () => {
    const result = simulatedExecution();
    expect(ExecutionResultSchema.parse(result)).toEqual(result);
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, result.report);
    expect(result.report).toBe(readFileSync(GOLDEN, 'utf8'));
  });

  it('counts the retried task once with both attempts, and the failure once with what it skipped', () => {
    const result = simulatedExecution();
    const task3 = result.tasks.find((t) => t.taskId === 'task_3');
    expect(task3?.attempts.map((a) => a.status)).toEqual(['failed', 'complete']);
    expect(result.failures.map((f) => f.taskId)).toEqual(['task_7']);
    expect(result.metrics.byAgent.execution_agent).toMatchObject({ tasks: 8, attempts: 9, complete: 7, failed: 2 });
    expect(result.metrics.tokens.total_tokens).toBe(1200);
  });
});

const attempt = fc.record({
  agent: fc.constantFrom('execution_agent', 'reasoning_agent', 'code_writer'),
  status: fc.constantFrom('complete' as const, 'failed' as const, 'unfinished' as const),
  duration: fc.nat({ max: 100_000 }),
  usage: fc.option(fc.record({ prompt_tokens: fc.nat(1000), completion_tokens: fc.nat(1000) }), { nil: undefined }),
});

type GeneratedAttempt = typeof attempt extends fc.Arbitrary<infer T> ? T : never;

function outcome(i: number, list: readonly GeneratedAttempt[]): TaskOutcome {
  const attempts: AttemptRecord[] = list.map((a, n) => ({
    attempt: n + 1,
    agent: a.agent,
    runtimeId: null,
    dispatchedAt: 0,
    endedAt: a.status === 'unfinished' ? null : a.duration,
    durationMs: a.status === 'unfinished' ? null : a.duration,
    status: a.status,
    ...(a.usage ? { usage: { ...a.usage, total_tokens: a.usage.prompt_tokens + a.usage.completion_tokens } } : {}),
  }));
  return { taskId: `task_${i}`, action: '', agent: null, status: 'complete', attempts, durationMs: 0, summary: null };
}

describe('metrics per agent type', () => {
  it('add up: attempts by outcome, tokens across agents, mean within max, for any attempts', () => {
    fc.assert(
      fc.property(fc.array(fc.array(attempt, { maxLength: 4 }), { maxLength: 20 }), (tasks) => {
        const outcomes = tasks.map((list, i) => outcome(i, list));
        const all = outcomes.flatMap((t) => t.attempts);
        const { byAgent, tokens } = agentMetrics(outcomes);
        const agents = Object.values(byAgent);
        expect(agents.reduce((n, m) => n + m.attempts, 0)).toBe(all.length);
        for (const m of agents) {
          expect(m.complete + m.failed + m.unfinished).toBe(m.attempts);
          expect(m.meanDurationMs).toBeLessThanOrEqual(m.maxDurationMs);
          expect(m.tokens.total_tokens).toBe(m.tokens.prompt_tokens + m.tokens.completion_tokens);
        }
        const sum = all.reduce((n, a) => n + (a.usage?.total_tokens ?? 0), 0);
        expect(tokens.total_tokens).toBe(sum);
        expect(agents.reduce((n, m) => n + m.tokens.total_tokens, 0)).toBe(sum);
        const timed = all.filter((a) => a.durationMs !== null);
        expect(agents.reduce((n, m) => n + m.totalDurationMs, 0)).toBe(
          timed.reduce((n, a) => n + (a.durationMs ?? 0), 0),
        );
      }),
    );
  });
});
