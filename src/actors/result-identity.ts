import type { AgentExecutionResult, TriggerAgent } from '../protocol/runtime-events.js';

/** One identifying field of a result that differs from the attempt it names. */
export interface FieldMismatch {
  readonly field: 'workflow_id' | 'task_id' | 'attempt' | 'runtime_id';
  readonly expected: string | number | null;
  readonly got: string | number | null;
}

/** Who sent a result, as far as the bus tells. */
export interface ResultSender {
  /** The runtime whose results subject it came on; `null` on an attempt's own result subject. */
  readonly subjectRuntime: string | null;
  /** Whether this process's own actors built it (the dispatcher's reports of a lost runtime are). */
  readonly vetted: boolean;
  /** Whether a runtime is one of this process's own worker runtimes, whose results only this process builds. */
  readonly hosted?: (runtimeId: string) => boolean;
}

/**
 * The identifying fields in which `result` differs from the open attempt it names by request id:
 * the run (`workflow_id`), the task, the attempt number, and the runtime the attempt was placed
 * on (`placedOn`, `null` while no runtime has it), which must also be the runtime of the subject
 * it came on. A result with `runtime_id: null` — a loss reported on a runtime's behalf — counts
 * only when this process's dispatcher built it, and one from a runtime of this process only when
 * this process built it. Empty when the result is the attempt's own.
 */
export function resultMismatch(
  result: AgentExecutionResult,
  trigger: TriggerAgent,
  placedOn: string | null | undefined,
  sender: ResultSender,
): FieldMismatch[] {
  const out: FieldMismatch[] = [];
  if (result.workflow_id !== trigger.workflow_id)
    out.push({ field: 'workflow_id', expected: trigger.workflow_id, got: result.workflow_id });
  if (result.task_id !== trigger.task_id)
    out.push({ field: 'task_id', expected: trigger.task_id, got: result.task_id });
  if (result.attempt !== trigger.attempt)
    out.push({ field: 'attempt', expected: trigger.attempt, got: result.attempt });
  const runtime = result.runtime_id;
  const onBehalf = runtime === null && sender.vetted && sender.subjectRuntime === null;
  const forgedHere = !sender.vetted && runtime !== null && sender.hosted?.(runtime) === true;
  if (
    !onBehalf &&
    (forgedHere ||
      runtime === null ||
      runtime !== (placedOn ?? null) ||
      (sender.subjectRuntime !== null && sender.subjectRuntime !== runtime))
  ) {
    out.push({
      field: 'runtime_id',
      expected: placedOn ?? null,
      got:
        sender.subjectRuntime !== null && sender.subjectRuntime !== runtime
          ? `${String(runtime)} (on the results subject of ${sender.subjectRuntime})`
          : runtime,
    });
  }
  return out;
}

/** The mismatches as a phrase for a log line or a refusal: `attempt (expected 1, got 8), task_id (…)`. */
export function describeMismatch(fields: readonly FieldMismatch[]): string {
  return fields
    .map((f) => `${f.field} (expected ${JSON.stringify(f.expected)}, got ${JSON.stringify(f.got)})`)
    .join(', ');
}

/** The runtime id a subject `<prefix>.events.agent.runtime.<runtime_id>.results` (or `.reclaimed`) names: its next-to-last token. */
export function runtimeOfSubject(subject: string): string {
  const end = subject.lastIndexOf('.');
  return subject.slice(subject.lastIndexOf('.', end - 1) + 1, end);
}
