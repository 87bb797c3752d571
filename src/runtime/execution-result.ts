import type { TaskSpec } from '../protocol/plan.js';
import type { WorkflowResult } from '../protocol/dispatch-output.js';
import type {
  AgentMetrics,
  AttemptRecord,
  ExecutionResult,
  FinalArtifact,
  ResumedRun,
  TaskOutcome,
} from '../protocol/execution-result.js';
import type { PlanMessage } from '../protocol/plan.js';
import type { WorkflowState } from '../protocol/workflow-state.js';
import { executionReport } from './execution-report.js';

/** What an {@link ExecutionResult} is built from: the plan, the run's end and its attempts. */
export interface ExecutionFacts {
  readonly runId: string;
  /** The plan as submitted (a planning agent message). */
  readonly plan: PlanMessage;
  /** Its tasks in plan order. */
  readonly tasks: readonly TaskSpec[];
  /** The decomposer's report, or `undefined` for a plan given as is. */
  readonly planning: Readonly<Record<string, unknown>> | undefined;
  readonly result: WorkflowResult;
  /** The run's final state: `task_states`, `ref_registry`, `failure_log`. */
  readonly state: Pick<WorkflowState, 'task_states' | 'ref_registry' | 'failure_log'>;
  readonly attempts: (taskId: string) => readonly AttemptRecord[];
  /** Epoch ms (the runtime's scheduler) of the submit and of the end. */
  readonly startedAt: number;
  readonly endedAt: number;
  /** For a run `switchyard resume` continued: its stops and what the journal cannot tell. */
  readonly resumed?: ResumedRun | undefined;
}

const ZERO_TOKENS = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

function taskOutcome(task: TaskSpec, facts: ExecutionFacts): TaskOutcome {
  const attempts = [...facts.attempts(task.id)];
  const state = facts.state.task_states[task.id];
  const last = attempts.at(-1);
  return {
    taskId: task.id,
    action: task.action,
    agent: last?.agent ?? state?.assigned_agent ?? null,
    status: state?.status ?? 'pending',
    attempts,
    durationMs: attempts.reduce((sum, a) => sum + (a.durationMs ?? 0), 0),
    summary: state?.result_summary ?? last?.summary ?? null,
  };
}

function emptyMetrics(): AgentMetrics {
  return {
    tasks: 0,
    attempts: 0,
    complete: 0,
    failed: 0,
    unfinished: 0,
    totalDurationMs: 0,
    meanDurationMs: 0,
    maxDurationMs: 0,
    tokens: { ...ZERO_TOKENS },
    models: [],
  };
}

/** Per agent type: tasks, attempts by outcome, durations (of attempts that ended), tokens. */
export function agentMetrics(tasks: readonly TaskOutcome[]): ExecutionResult['metrics'] {
  const byAgent: Record<string, AgentMetrics> = {};
  const timed: Record<string, number> = {};
  const tokens = { ...ZERO_TOKENS };
  for (const task of tasks) {
    const seen = new Set<string>();
    for (const a of task.attempts) {
      const m = (byAgent[a.agent] ??= emptyMetrics());
      if (!seen.has(a.agent)) m.tasks++;
      seen.add(a.agent);
      m.attempts++;
      m[a.status]++;
      if (a.durationMs !== null) {
        timed[a.agent] = (timed[a.agent] ?? 0) + 1;
        m.totalDurationMs += a.durationMs;
        m.maxDurationMs = Math.max(m.maxDurationMs, a.durationMs);
      }
      if (a.usage) {
        for (const key of ['prompt_tokens', 'completion_tokens', 'total_tokens'] as const) {
          m.tokens[key] += a.usage[key];
          tokens[key] += a.usage[key];
        }
        if (a.usage.model !== undefined && !m.models.includes(a.usage.model)) m.models.push(a.usage.model);
      }
    }
  }
  for (const [agent, m] of Object.entries(byAgent)) {
    const n = timed[agent] ?? 0;
    m.meanDurationMs = n === 0 ? 0 : m.totalDurationMs / n;
    m.models.sort();
  }
  return { byAgent, tokens };
}

/** Every ref a task produced (stored or created, not a source), with the task that made it. */
function finalArtifacts(facts: ExecutionFacts): FinalArtifact[] {
  const producer = new Map<string, string>();
  for (const t of facts.tasks) for (const ref of t.output_refs) if (!producer.has(ref)) producer.set(ref, t.id);
  const out: FinalArtifact[] = [];
  for (const [refId, entry] of Object.entries(facts.state.ref_registry)) {
    if (entry.storage_uri === null || entry.status === 'reference' || entry.status === 'pending') continue;
    out.push({
      refId,
      uri: entry.storage_uri,
      assetType: entry.asset_type ?? null,
      status: entry.status,
      taskId: producer.get(refId) ?? null,
    });
  }
  return out;
}

function failures(facts: ExecutionFacts): ExecutionResult['failures'] {
  // The seed's failure_log holds a failed task's final entry and each retry's; keep the final one.
  return facts.state.failure_log
    .filter(
      (f) => facts.state.task_states[f.task_id]?.status === 'failed' && (f as { retried?: boolean }).retried !== true,
    )
    .map((f) => ({
      taskId: f.task_id,
      code: f.error_code,
      message: f.error_message,
      attempts: f.attempts,
      skipped: Array.isArray(f.downstream_impact) ? [...f.downstream_impact] : [],
    }));
}

/**
 * Aggregates a finished run into seed 002's ExecutionResult: per-task outcomes with their
 * attempts, failures and what they cost, the artifacts produced, metrics per agent type, and
 * the Markdown report. Pure: the same facts give the same result.
 */
export function buildExecutionResult(facts: ExecutionFacts): ExecutionResult {
  const tasks = facts.tasks.map((t) => taskOutcome(t, facts));
  const r = facts.result;
  const result: Omit<ExecutionResult, 'report'> = {
    runId: facts.runId,
    status: r.status,
    successRate: r.total_tasks === 0 ? 0 : Math.round((1000 * r.completed_tasks) / r.total_tasks) / 10,
    startedAt: facts.startedAt,
    endedAt: facts.endedAt,
    durationMs: Math.max(0, facts.endedAt - facts.startedAt),
    totals: { tasks: r.total_tasks, complete: r.completed_tasks, failed: r.failed_tasks, skipped: r.skipped_tasks },
    tasks,
    failures: failures(facts),
    finalArtifacts: finalArtifacts(facts),
    metrics: agentMetrics(tasks),
    plan: facts.plan,
    planning: facts.planning === undefined ? null : { ...facts.planning },
    workflowResult: r,
    ...(facts.resumed === undefined ? {} : { resumed: facts.resumed }),
  };
  return { ...result, report: executionReport(result) };
}
