import { createHash } from 'node:crypto';
import type { RemovedDependency } from '../graph/typed-dependencies.js';
import type { Result } from '../protocol/errors.js';
import type { PlanMessage } from '../protocol/plan.js';
import type { LlmBackend, LlmUsage } from './llm-backend.js';
import { llmDrafts } from './llm-decomposer.js';
import { type AddedDependency, proposeDependencies, type RejectedDependency } from './llm-dependencies.js';
import { patternDrafts } from './pattern-decomposer.js';
import { buildPlan } from './plan-builder.js';
import { parseSpecification } from './read-spec.js';
import type { Specification } from '../protocol/specification.js';

/** Options of {@link decompose}. */
export interface DecomposeOptions {
  /** Decompose with this model (validated, repaired, falling back to the pattern rules). @default none: the pattern rules */
  readonly llm?: LlmBackend;
  /** Rounds of repair a model gets when its plan has problems. @default 2 */
  readonly maxRepairs?: number;
  /** Break dependency cycles at their weakest edge, reporting each, instead of refusing the plan. @default false */
  readonly resolveCycles?: boolean;
  /** `metadata.session_id`. @default `session-<hash of the specification>` */
  readonly sessionId?: string;
  /** `metadata.request_id`. @default `plan-<hash of the specification>` */
  readonly requestId?: string;
  /** `metadata.timestamp` (ISO 8601). @default none, so the same specification gives the same plan, byte for byte */
  readonly timestamp?: string;
  /**
   * After planning, ask `llm` for logical dependencies the plan misses; valid ones are added
   * as `origin: 'model'` (see `proposeDependencies`). Needs `llm`. @default false
   */
  readonly analyzeDependencies?: boolean;
  /** Called with a sentence whenever the model path falls back or repairs (the CLI prints them on stderr). */
  readonly onNotice?: (message: string) => void;
}

/** What the decomposer did, also in the plan's `metadata.planning`. */
export interface PlanningReport {
  readonly decomposer: 'pattern' | 'llm';
  /** The model path gave up, and why (its error code and sentence); the plan came from the pattern rules. */
  readonly fallback?: { readonly code: string; readonly reason: string };
  readonly model?: string;
  readonly endpoint?: string;
  /** Model calls made, the first included. */
  readonly calls?: number;
  /** Repair rounds used. */
  readonly repairs?: number;
  readonly usage?: LlmUsage;
  readonly latency_ms?: number;
  /** Dependencies removed while building: cycles broken and redundant ones. */
  readonly removed: readonly RemovedDependency[];
  /** With `analyzeDependencies`: the model's proposals kept and refused, or why the analysis failed (the plan is then as planned). */
  readonly dependency_analysis?:
    | { readonly added: readonly AddedDependency[]; readonly rejected: readonly RejectedDependency[] }
    | { readonly failed: { readonly code: string; readonly reason: string } };
}

/** A specification turned into a plan. */
export interface Decomposition {
  /** Seed 003's planning-agent message: `validate`, `run` and `step` take it as it is. */
  readonly plan: PlanMessage;
  readonly report: PlanningReport;
}

/** A short, stable hash of the specification: the default ids of its plan. */
export function specHash(spec: Specification): string {
  return createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
}

function envelope(spec: Specification, options: DecomposeOptions, planning: Omit<PlanningReport, 'removed'>) {
  const hash = specHash(spec);
  return {
    metadata: {
      session_id: options.sessionId ?? `session-${hash}`,
      request_id: options.requestId ?? `plan-${hash}`,
      ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
      planning: { ...planning, spec_hash: hash },
    },
    compliance_notes: planning.fallback
      ? [`Planned by the pattern rules: the model path failed (${planning.fallback.code}): ${planning.fallback.reason}`]
      : [],
  };
}

/**
 * The pattern decomposer alone, synchronous: deterministic, no network (same specification,
 * same plan, byte for byte, unless `timestamp` differs). `llm` and `analyzeDependencies` are
 * not used. A bad specification is `INVALID_INPUT`.
 */
export function decomposeWithPatterns(
  spec: Specification | unknown,
  options: DecomposeOptions = {},
): Result<Decomposition> {
  const checked = parseSpecification(spec);
  return checked.ok ? patternPlan(checked.value, options) : checked;
}

function patternPlan(
  spec: Specification,
  options: DecomposeOptions,
  fallback?: PlanningReport['fallback'],
  extra: Omit<PlanningReport, 'decomposer' | 'removed' | 'fallback'> = {},
): Result<Decomposition> {
  const planning = { decomposer: 'pattern' as const, ...(fallback ? { fallback } : {}), ...extra };
  const built = buildPlan(patternDrafts(spec), spec, envelope(spec, options, planning), {
    resolveCycles: options.resolveCycles === true,
  });
  if (!built.ok) return built;
  return { ok: true, value: { plan: built.value.plan, report: { ...planning, removed: built.value.removed } } };
}

/**
 * Turns a specification into a plan (seed 002's TaskDecomposer). Without `llm`, the pattern
 * rules. With it, the model drafts the tasks as JSON matching the draft schema; problems
 * (bad JSON, a missing field, an unknown artifact, a cycle) go back to it for repair, up to
 * `maxRepairs` rounds; after that, or when the model cannot be reached, the pattern rules
 * plan instead and the report (and `metadata.planning`, and `onNotice`) say why.
 *
 * Bad specifications are `INVALID_INPUT`; a plan with a cycle (without `resolveCycles`)
 * `PROCESSING_ERROR` naming it.
 *
 * @example
 * const spec = readSpecification(readFileSync('examples/specs/todo-cli.md', 'utf8'));
 * const planned = spec.ok ? await decompose(spec.value) : spec;
 * if (planned.ok) await rt.submit(planned.value.plan).result;
 */
export async function decompose(
  spec: Specification | unknown,
  options: DecomposeOptions = {},
): Promise<Result<Decomposition>> {
  const planned = await decomposeOnly(spec, options);
  if (!planned.ok || !options.analyzeDependencies || !options.llm) return planned;
  const proposed = await proposeDependencies(planned.value.plan, options.llm);
  if (!proposed.ok) {
    options.onNotice?.(
      `The dependency analysis failed (${proposed.error.code}): ${proposed.error.message} The plan stays as planned.`,
    );
    const failed = { code: proposed.error.code, reason: proposed.error.message };
    return {
      ok: true,
      value: {
        plan: withAnalysis(planned.value.plan, { failed }),
        report: { ...planned.value.report, dependency_analysis: { failed } },
      },
    };
  }
  const { added, rejected } = proposed.value;
  const counts = {
    added: added.length,
    rejected: rejected.length,
    ...(proposed.value.usage ? { usage: proposed.value.usage } : {}),
    latency_ms: proposed.value.latencyMs,
  };
  return {
    ok: true,
    value: {
      plan: withAnalysis(proposed.value.plan, counts),
      report: { ...planned.value.report, dependency_analysis: { added, rejected } },
    },
  };
}

/** The plan with `metadata.planning.dependency_analysis` set. */
function withAnalysis(plan: PlanMessage, analysis: Record<string, unknown>): PlanMessage {
  const planning = (plan.metadata?.planning ?? {}) as Record<string, unknown>;
  return { ...plan, metadata: { ...plan.metadata, planning: { ...planning, dependency_analysis: analysis } } };
}

async function decomposeOnly(spec: unknown, options: DecomposeOptions): Promise<Result<Decomposition>> {
  const checked = parseSpecification(spec);
  if (!checked.ok) return checked;
  if (!options.llm) return patternPlan(checked.value, options);
  const drafted = await llmDrafts(checked.value, options.llm, {
    maxRepairs: options.maxRepairs ?? 2,
    resolveCycles: options.resolveCycles === true,
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
  });
  const model = {
    model: options.llm.model,
    endpoint: options.llm.endpoint,
    calls: drafted.calls,
    repairs: drafted.repairs,
    latency_ms: drafted.latencyMs,
    ...(drafted.usage ? { usage: drafted.usage } : {}),
  };
  if (!drafted.ok) {
    options.onNotice?.(
      `The model path gave up (${drafted.error.code}): ${drafted.error.message} Planning with the pattern rules instead.`,
    );
    return patternPlan(checked.value, options, { code: drafted.error.code, reason: drafted.error.message }, model);
  }
  const planning = { decomposer: 'llm' as const, ...model };
  const built = buildPlan(drafted.draft, checked.value, envelope(checked.value, options, planning), {
    resolveCycles: options.resolveCycles === true,
  });
  if (!built.ok) return built;
  return { ok: true, value: { plan: built.value.plan, report: { ...planning, removed: built.value.removed } } };
}
