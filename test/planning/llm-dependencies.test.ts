import { afterEach, describe, expect, it } from 'vitest';
import { ExecutionGraph } from '../../src/graph/execution-graph.js';
import {
  proposeDependencies,
  type ProposedDependencies,
  type ProposedDependency,
} from '../../src/planning/llm-dependencies.js';
import { openAiCompatible } from '../../src/planning/openai-compatible.js';
import type { Result, SwitchyardError } from '../../src/protocol/errors.js';
import { type PlanMessage, PlanMessageSchema } from '../../src/protocol/plan.js';
import { fixture } from '../helpers/fixtures.js';
import { type OpenAiTestDouble, type ScriptEntry, startOpenAiTestDouble } from '../helpers/openai-test-double.js';

const doubles: OpenAiTestDouble[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.close()));
});

async function double(script: readonly ScriptEntry[]): Promise<OpenAiTestDouble> {
  const d = await startOpenAiTestDouble(script);
  doubles.push(d);
  return d;
}

const backend = (d: OpenAiTestDouble) =>
  openAiCompatible({ baseURL: d.baseURL, model: 'double-model', apiKey: 'sk-test', maxRetries: 0 });

/** The todo-cli plan the pattern decomposer writes (test/fixtures/plans/). */
function todoPlan(): PlanMessage {
  return PlanMessageSchema.parse(fixture('plans/todo-cli.plan.json'));
}

const proposals = (dependencies: ProposedDependency[]): ScriptEntry => ({
  content: JSON.stringify({ dependencies }),
  usage: { prompt_tokens: 900, completion_tokens: 80, total_tokens: 980 },
});

function value(result: Result<ProposedDependencies>): ProposedDependencies {
  if (!result.ok) throw new Error(`expected proposals, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

function failure(result: Result<ProposedDependencies>): SwitchyardError {
  if (result.ok) throw new Error(`expected a failure, got ${result.value.added.length} added`);
  return result.error;
}

// todo-cli: task_8 integrates (group 6), task_11 documents (group 6, not after task_8), task_13 synthesizes (group 9).
const DOCS_AFTER_INTEGRATION: ProposedDependency = {
  task_id: 'task_11',
  depends_on: 'task_8',
  reason: 'document the integrated CLI, not its parts',
};

describe('proposeDependencies through the openai client and the test double', () => {
  it('adds a valid proposal as a logical dependency from the model, and regroups so the plan validates', async () => {
    const d = await double([proposals([DOCS_AFTER_INTEGRATION])]);
    const before = todoPlan();
    const out = value(await proposeDependencies(before, backend(d)));
    expect(out.added).toEqual([
      { from: 'task_11', task_id: 'task_8', type: 'logical', origin: 'model', reason: DOCS_AFTER_INTEGRATION.reason },
    ]);
    expect(out.rejected).toEqual([]);
    expect(out.usage).toEqual({ promptTokens: 900, completionTokens: 80, totalTokens: 980 });
    const graph = ExecutionGraph.tryFromPlan(out.plan);
    if (!graph.ok) throw graph.error;
    expect(graph.value.groupSource).toBe('planner');
    expect(graph.value.groupOf('task_11')).toBeGreaterThan(graph.value.groupOf('task_8'));
    expect(graph.value.groupOf('task_13')).toBeGreaterThan(graph.value.groupOf('task_11'));
    expect(graph.value.typedEdges()).toContainEqual({
      task_id: 'task_11',
      depends_on: 'task_8',
      type: 'logical',
      origin: 'model',
      reason: DOCS_AFTER_INTEGRATION.reason,
    });
    expect(graph.value.toMermaid()).toContain('task_8 -. "logical (model)" .-> task_11');
    // The plan given is left as it was.
    expect(before).toEqual(todoPlan());
    // The model saw every task with its type and dependencies, and was asked for the schema.
    const sent = d.requests[0]!.body!;
    expect(sent.response_format?.type).toBe('json_schema');
    const user = sent.messages.find((m) => m.role === 'user')!.content;
    expect(user).toContain('"id": "task_13"');
    expect(user).toContain('"type": "documentation"');
  });

  it('rejects a cycle, an unknown task, a self-edge and a duplicate, each with its code, and keeps the valid one', async () => {
    const d = await double([
      proposals([
        { task_id: 'task_2', depends_on: 'task_13', reason: 'design after the report' },
        { task_id: 'task_5', depends_on: 'task_99', reason: 'after a task that does not exist' },
        { task_id: 'task_4', depends_on: 'task_4', reason: 'after itself' },
        { task_id: 'task_8', depends_on: 'task_6', reason: 'already there' },
        DOCS_AFTER_INTEGRATION,
        { ...DOCS_AFTER_INTEGRATION, reason: 'said twice' },
        // Only a cycle once the proposal above is in: task_8 would wait for task_11, which now waits for task_8.
        { task_id: 'task_8', depends_on: 'task_11', reason: 'integration after docs' },
      ]),
    ]);
    const out = value(await proposeDependencies(todoPlan(), backend(d)));
    expect(out.added.map((a) => `${a.from}→${a.task_id}`)).toEqual(['task_11→task_8']);
    expect(out.rejected.map((r) => [r.edge.task_id, r.edge.depends_on, r.code])).toEqual([
      ['task_2', 'task_13', 'cycle'],
      ['task_5', 'task_99', 'unknown_task'],
      ['task_4', 'task_4', 'self_dependency'],
      ['task_8', 'task_6', 'duplicate'],
      ['task_11', 'task_8', 'duplicate'],
      ['task_8', 'task_11', 'cycle'],
    ]);
    for (const r of out.rejected) expect(r.why.length).toBeGreaterThan(0);
    const cycle = out.rejected[0]!.cycle!;
    expect(cycle[0]).toBe(cycle[cycle.length - 1]);
    expect(cycle).toContain('task_2');
    expect(cycle).toContain('task_13');
    expect(ExecutionGraph.tryFromPlan(out.plan).ok).toBe(true);
  });

  it('treats a ref-implied edge as present: a proposal repeating it is a duplicate', async () => {
    // task_13 reads task_6's report: that edge exists whether or not depends_on says so.
    const d = await double([
      proposals([{ task_id: 'task_13', depends_on: 'task_6', reason: 'report after the tests' }]),
    ]);
    const plan = todoPlan();
    const tasks = plan.output.content.workflow.tasks as Record<string, { depends_on: string[] }>;
    tasks.task_13!.depends_on = tasks.task_13!.depends_on.filter((id) => id !== 'task_6');
    const out = value(await proposeDependencies(plan, backend(d)));
    expect(out.rejected.map((r) => r.code)).toEqual(['duplicate']);
    expect(out.plan).toBe(plan);
  });

  it('returns INVALID_INPUT for an answer that is not JSON or not the schema', async () => {
    const d = await double([
      { content: 'Sure! task_11 should come after task_8.' },
      { content: JSON.stringify({ dependencies: [{ task_id: 'task_11' }] }) },
    ]);
    expect(failure(await proposeDependencies(todoPlan(), backend(d))).code).toBe('INVALID_INPUT');
    expect(failure(await proposeDependencies(todoPlan(), backend(d))).code).toBe('INVALID_INPUT');
  });

  it("returns the backend's error when the model call fails", async () => {
    const d = await double([{ status: 500, error: { message: 'upstream exploded' } }]);
    expect(failure(await proposeDependencies(todoPlan(), backend(d))).code).toBe('LLM_FAILED');
  });

  it('refuses a plan that does not validate before asking the model', async () => {
    const d = await double([proposals([])]);
    const plan = todoPlan();
    const broken = {
      ...plan,
      output: {
        ...plan.output,
        content: {
          ...plan.output.content,
          workflow: {
            tasks: [
              { id: 'a', action: 'x', capability_ids: ['C'], depends_on: ['b'], input_refs: [], output_refs: [] },
            ],
          },
        },
      },
    };
    expect(failure(await proposeDependencies(PlanMessageSchema.parse(broken), backend(d))).code).toBe(
      'VALIDATION_ERROR',
    );
    expect(d.requests).toHaveLength(0);
  });
});
