import { z } from 'zod';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { readJsonAnswer } from './json-answer.js';
import type { LlmBackend, LlmMessage, LlmUsage } from './llm-backend.js';
import { buildPlan } from './plan-builder.js';
import type { Specification } from '../protocol/specification.js';
import { type PlanDraft, PlanDraftSchema } from './task-draft.js';
import { CAPABILITY_PREFIX, TASK_TYPES } from './task-types.js';

/** The JSON Schema a model's answer must match (structured output, where the server has it). */
export const PLAN_DRAFT_JSON_SCHEMA: Readonly<Record<string, unknown>> = z.toJSONSchema(PlanDraftSchema, {
  target: 'draft-7',
});

/** What the model path came to, with what it cost. */
export type LlmDrafted = ({ ok: true; draft: PlanDraft } | { ok: false; error: SwitchyardError }) & {
  readonly calls: number;
  readonly repairs: number;
  readonly latencyMs: number;
  readonly usage?: LlmUsage;
};

const SYSTEM = `You are the planning agent of a workflow runtime. Break the specification you are given into atomic tasks and answer with JSON only: {"tasks": [...]}, matching the JSON Schema you are given.

Each task has: key (unique, lower_snake_case), type (one of ${TASK_TYPES.join(', ')}), action (one sentence an agent can act on, naming the requirement ids it serves), capability (a short qualifier such as typescript, unit, load), complexity (low, medium, high), priority (must, should, could — the strongest of its requirements), reads (artifact keys produced by other tasks, or ids of the specification's inputs), produces (artifacts: key, asset_type, kind "storage" for files kept such as code and docs, "derived" for reports and notes), after (tasks it must follow for a reason other than reading their output: {task, type: "logical", reason}), exclusive_resources (resources only one task may use at a time), requirement_ids, and component when it belongs to one.

Rules: research before design; design before code; code per component; tests for a component after its code; documentation after the code it describes; integration after its parts; finish with one task of type synthesis that reads every report and writes the final report. A task may only read what another task produces or what the specification's inputs list. No cycles. Capability ids are made from the type (${Object.values(CAPABILITY_PREFIX).join(', ')}) and the qualifier.`;

function usageSum(a: LlmUsage | undefined, b: LlmUsage | undefined): LlmUsage | undefined {
  if (!a) return b;
  if (!b) return a;
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
}

/** The problems with one answer, as lines for a repair request; none when the draft builds into a plan. */
function problemsOf(
  text: string,
  spec: Specification,
  resolveCycles: boolean,
): { draft?: PlanDraft; problems: string[] } {
  const draft = readJsonAnswer(text, PlanDraftSchema, 'plan draft');
  if (!draft.ok) {
    const issues = (draft.error.details.issues as Array<{ path: string; message: string }> | undefined) ?? [];
    return {
      problems:
        issues.length > 0
          ? issues.slice(0, 20).map((i) => `[INVALID_INPUT] ${i.path}: ${i.message}`)
          : [`[INVALID_INPUT] ${draft.error.message}`],
    };
  }
  const built = buildPlan(draft.value, spec, { metadata: {} }, { resolveCycles });
  if (built.ok) return { draft: draft.value, problems: [] };
  const listed = (built.error.details.problems as Array<{ code?: string; message: string }> | undefined) ?? [];
  return {
    problems:
      listed.length > 0
        ? listed.slice(0, 20).map((p) => `[${p.code ?? built.error.code}] ${p.message}`)
        : [`[${built.error.code}] ${built.error.message}`],
  };
}

/**
 * Asks the model for task drafts and repairs them until they build into a valid plan, or
 * `maxRepairs` rounds have been spent. A failed call (timeout, refusal, HTTP error beyond the
 * backend's retries) ends it at once with the backend's error.
 */
export async function llmDrafts(
  spec: Specification,
  llm: LlmBackend,
  options: { maxRepairs: number; resolveCycles: boolean; onNotice?: (message: string) => void },
): Promise<LlmDrafted> {
  const messages: LlmMessage[] = [
    { role: 'system', content: SYSTEM },
    { role: 'user', content: `Specification:\n${JSON.stringify(spec, null, 2)}` },
  ];
  let calls = 0;
  let latencyMs = 0;
  let usage: LlmUsage | undefined;
  let last: string[] = [];
  for (let round = 0; round <= options.maxRepairs; round++) {
    const answer = await llm.complete({ messages, json: { name: 'plan_draft', schema: PLAN_DRAFT_JSON_SCHEMA } });
    calls++;
    if (!answer.ok)
      return { ok: false, error: answer.error, calls, repairs: round, latencyMs, ...(usage ? { usage } : {}) };
    latencyMs += answer.value.latencyMs;
    usage = usageSum(usage, answer.value.usage);
    const { draft, problems } = problemsOf(answer.value.text, spec, options.resolveCycles);
    if (draft) return { ok: true, draft, calls, repairs: round, latencyMs, ...(usage ? { usage } : {}) };
    last = problems;
    if (round < options.maxRepairs) {
      options.onNotice?.(
        `The model's plan has ${problems.length} problem${problems.length === 1 ? '' : 's'} (${problems[0]}); asking for repair ${round + 1} of ${options.maxRepairs}.`,
      );
      messages.push(
        { role: 'assistant', content: answer.value.text },
        {
          role: 'user',
          content: `That plan has these problems:\n${problems.map((p) => `- ${p}`).join('\n')}\nAnswer with the whole corrected JSON, nothing else.`,
        },
      );
    }
  }
  const error = new SwitchyardError(
    ErrorCodes.VALIDATION_ERROR,
    `The model's plan still had problems after ${options.maxRepairs} repair round${options.maxRepairs === 1 ? '' : 's'}: ${last[0]}${last.length > 1 ? ` (and ${last.length - 1} more)` : ''}.`,
    { problems: last },
  );
  return { ok: false, error, calls, repairs: options.maxRepairs, latencyMs, ...(usage ? { usage } : {}) };
}
