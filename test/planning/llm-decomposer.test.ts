import { afterEach, describe, expect, it } from 'vitest';
import { ExecutionGraph } from '../../src/graph/execution-graph.js';
import { decompose, type Decomposition } from '../../src/planning/decompose.js';
import { openAiCompatible } from '../../src/planning/openai-compatible.js';
import { patternDrafts } from '../../src/planning/pattern-decomposer.js';
import { parseSpecification } from '../../src/planning/read-spec.js';
import type { PlanDraft } from '../../src/planning/task-draft.js';
import type { Result } from '../../src/protocol/errors.js';
import type { Specification } from '../../src/protocol/specification.js';
import { type OpenAiTestDouble, type ScriptEntry, startOpenAiTestDouble } from '../helpers/openai-test-double.js';

// The model side of these tests is a TEST DOUBLE: a local HTTP server replaying scripted
// chat-completions answers (test/helpers/openai-test-double.ts), reached through the real
// `openai` client. It plans nothing; the answers below are written by the tests.

const SPEC = ((): Specification => {
  const parsed = parseSpecification({
    title: 'Greeter',
    goal: 'A library that greets people by name, in several languages.',
    requirements: [
      { id: 'R1', text: 'It must greet a person by name.', priority: 'must', component: 'core' },
      { id: 'R2', text: 'It should support English and French.', priority: 'should', component: 'core' },
    ],
    components: [{ id: 'core', language: 'typescript' }],
  });
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
})();

/** A valid answer: the pattern rules' drafts with a changed action, so the plan shows which path made it. */
const valid: PlanDraft = {
  tasks: patternDrafts(SPEC).tasks.map((t, i) =>
    i === 0 ? { ...t, action: 'Research greeting conventions (model-written)' } : t,
  ),
};
const say = (draft: unknown, extra: Partial<Extract<ScriptEntry, { content: string }>> = {}): ScriptEntry => ({
  content: JSON.stringify(draft),
  usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 },
  ...extra,
});
/** The research task waits for the design, which reads the research: a cycle. */
const cyclic: PlanDraft = {
  tasks: valid.tasks.map((t) =>
    t.key === 'research'
      ? { ...t, after: [{ task: 'design', type: 'logical', reason: 'research what the design left open' }] }
      : t,
  ),
};
const unknownRead: PlanDraft = {
  tasks: valid.tasks.map((t) => (t.key === 'design' ? { ...t, reads: [...t.reads, 'market_study'] } : t)),
};

const doubles: OpenAiTestDouble[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.close()));
});

async function plan(
  script: readonly ScriptEntry[],
  options: { maxRetries?: number; timeoutMs?: number; resolveCycles?: boolean; maxRepairs?: number } = {},
) {
  const d = await startOpenAiTestDouble(script);
  doubles.push(d);
  const llm = openAiCompatible({
    baseURL: d.baseURL,
    model: 'double-model',
    apiKey: 'sk-test',
    maxRetries: options.maxRetries ?? 0,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  const notices: string[] = [];
  const result = await decompose(SPEC, {
    llm,
    onNotice: (m) => notices.push(m),
    ...(options.resolveCycles ? { resolveCycles: true } : {}),
    ...(options.maxRepairs === undefined ? {} : { maxRepairs: options.maxRepairs }),
  });
  return { d, notices, done: value(result) };
}

function value(result: Result<Decomposition>): Decomposition {
  if (!result.ok) throw new Error(`expected a plan, got ${result.error.code}: ${result.error.message}`);
  expect(ExecutionGraph.tryFromPlan(result.value.plan).ok).toBe(true);
  return result.value;
}

const firstAction = (done: Decomposition) =>
  String(Object.values(done.plan.output.content.workflow.tasks as Record<string, { action: string }>)[0].action);
const lastUserMessage = (d: OpenAiTestDouble, i: number) => d.requests[i].body?.messages.at(-1)?.content ?? '';

describe('decompose with a model (through the real openai client, against the test double)', () => {
  it('builds the plan from a valid answer, asks for JSON by schema, and records model, calls and usage', async () => {
    const { d, done, notices } = await plan([say(valid)]);
    expect(done.report).toMatchObject({
      decomposer: 'llm',
      model: 'double-model',
      calls: 1,
      repairs: 0,
      usage: { totalTokens: 150 },
    });
    expect(done.plan.metadata?.planning).toMatchObject({ decomposer: 'llm', model: 'double-model' });
    expect(firstAction(done)).toBe('Research greeting conventions (model-written)');
    expect(d.requests[0].body?.response_format?.type).toBe('json_schema');
    expect(notices).toEqual([]);
  });

  it('sends invalid JSON back for repair, with the answer and the coded problem', async () => {
    const { d, done, notices } = await plan([{ content: '{"tasks": [ {"key": "research", ' }, say(valid)]);
    expect(done.report).toMatchObject({ decomposer: 'llm', calls: 2, repairs: 1, usage: { totalTokens: 150 } });
    const repair = d.requests[1].body?.messages ?? [];
    expect(repair.at(-2)).toMatchObject({ role: 'assistant', content: '{"tasks": [ {"key": "research", ' });
    expect(lastUserMessage(d, 1)).toContain('[INVALID_INPUT]');
    expect(notices).toHaveLength(1);
  });

  it('sends a plan with a cycle back for repair, naming the cycle, and takes the repaired one', async () => {
    const { d, done } = await plan([say(cyclic), say(valid)]);
    expect(done.report).toMatchObject({ decomposer: 'llm', repairs: 1 });
    expect(lastUserMessage(d, 1)).toContain('[PROCESSING_ERROR]');
    expect(lastUserMessage(d, 1)).toMatch(/task_\d+ → task_\d+/u);
  });

  it('with resolveCycles, breaks the cycle at its declared logical edge instead of asking again', async () => {
    const { d, done } = await plan([say(cyclic)], { resolveCycles: true });
    expect(d.requests).toHaveLength(1);
    expect(done.report.removed.filter((r) => r.because === 'cycle')).toEqual([
      expect.objectContaining({ from: 'task_1', task_id: 'task_2', type: 'logical', origin: 'declared' }),
    ]);
  });

  it('sends an unknown artifact back for repair', async () => {
    const { d, done } = await plan([say(unknownRead), say(valid)]);
    expect(done.report.repairs).toBe(1);
    expect(lastUserMessage(d, 1)).toContain('market_study');
  });

  it('falls back to the pattern rules after the last repair round, and says so in the report, the plan and a notice', async () => {
    const { done, notices } = await plan([say(cyclic), say(cyclic), say(unknownRead)], { maxRepairs: 2 });
    expect(done.report).toMatchObject({
      decomposer: 'pattern',
      calls: 3,
      repairs: 2,
      fallback: { code: 'VALIDATION_ERROR' },
    });
    expect(firstAction(done)).toContain('Research prior art');
    expect(done.plan.audit?.compliance_notes).toEqual([expect.stringContaining('VALIDATION_ERROR')]);
    expect(notices.at(-1)).toContain('pattern rules');
  });

  it('rides out a 429 on the client’s retry', async () => {
    const { d, done } = await plan(
      [{ status: 429, error: { message: 'Rate limit reached' }, headers: { 'retry-after-ms': '1' } }, say(valid)],
      { maxRetries: 1 },
    );
    expect(d.requests).toHaveLength(2);
    expect(done.report.decomposer).toBe('llm');
  });

  it('falls back with LLM_FAILED on a 500 beyond the retries, and with REQUEST_TIMEOUT on a hang', async () => {
    const failed = await plan([{ status: 500, error: { message: 'overloaded' } }]);
    expect(failed.done.report.fallback?.code).toBe('LLM_FAILED');
    const hung = await plan([{ hang: true }], { timeoutMs: 200 });
    expect(hung.done.report).toMatchObject({ decomposer: 'pattern', fallback: { code: 'REQUEST_TIMEOUT' } });
  });
});
