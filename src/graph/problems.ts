import { type ErrorCode, ErrorCodes, SwitchyardError } from '../protocol/errors.js';

/** Why a plan cannot become a graph. Finer than the error code; stable like it. */
export type ProblemReason =
  | 'empty_workflow'
  | 'invalid_id'
  | 'unknown_task'
  | 'has_dependents'
  | 'ref_dependency'
  | 'duplicate_task_id'
  | 'task_key_mismatch'
  | 'unknown_dependency'
  | 'self_dependency'
  | 'unknown_ref'
  | 'unproduced_ref'
  | 'conflicting_ref'
  | 'cycle'
  | 'missing_group'
  | 'conflicting_group'
  | 'unknown_group_task'
  | 'group_order';

/** One reason a plan is refused, with the code it maps to and the offending values. */
export interface GraphProblem {
  readonly code: ErrorCode;
  readonly reason: ProblemReason;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** Something odd about a plan that does not stop it from running. */
export interface GraphWarning {
  readonly reason:
    | 'total_tasks_mismatch'
    | 'execution_order_mismatch'
    | 'duplicate_dependency'
    | 'undeclared_output_ref'
    | 'ambiguous_producer';
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

const CODE_OF: Readonly<Record<ProblemReason, ErrorCode>> = {
  empty_workflow: ErrorCodes.INVALID_INPUT,
  invalid_id: ErrorCodes.INVALID_ID,
  unknown_task: ErrorCodes.VALIDATION_ERROR,
  has_dependents: ErrorCodes.VALIDATION_ERROR,
  ref_dependency: ErrorCodes.VALIDATION_ERROR,
  duplicate_task_id: ErrorCodes.VALIDATION_ERROR,
  task_key_mismatch: ErrorCodes.VALIDATION_ERROR,
  unknown_dependency: ErrorCodes.VALIDATION_ERROR,
  self_dependency: ErrorCodes.PROCESSING_ERROR,
  unknown_ref: ErrorCodes.VALIDATION_ERROR,
  unproduced_ref: ErrorCodes.VALIDATION_ERROR,
  conflicting_ref: ErrorCodes.VALIDATION_ERROR,
  cycle: ErrorCodes.PROCESSING_ERROR,
  missing_group: ErrorCodes.VALIDATION_ERROR,
  conflicting_group: ErrorCodes.VALIDATION_ERROR,
  unknown_group_task: ErrorCodes.VALIDATION_ERROR,
  group_order: ErrorCodes.VALIDATION_ERROR,
};

/** How many problems a report keeps; a plan with more says how many it left out. */
export const MAX_PROBLEMS = 100;

/** Collects problems (up to {@link MAX_PROBLEMS}) and warnings while a plan is checked. */
export class ProblemList {
  readonly problems: GraphProblem[] = [];
  readonly warnings: GraphWarning[] = [];
  /** Problems found beyond {@link MAX_PROBLEMS}. */
  omitted = 0;

  add(reason: ProblemReason, message: string, details: Record<string, unknown> = {}): void {
    if (this.problems.length >= MAX_PROBLEMS) this.omitted++;
    else this.problems.push({ code: CODE_OF[reason], reason, message, details: { reason, ...details } });
  }

  warn(reason: GraphWarning['reason'], message: string, details: Record<string, unknown> = {}): void {
    if (this.warnings.length < MAX_PROBLEMS) this.warnings.push({ reason, message, details });
  }

  get empty(): boolean {
    return this.problems.length === 0;
  }

  /** One error for the whole list: the first problem's code and sentence, all problems in `details`. */
  toError(): SwitchyardError {
    const [first, ...rest] = this.problems;
    if (!first) throw new Error('ProblemList.toError called on an empty list');
    const others = rest.length + this.omitted;
    const suffix = others === 0 ? '' : ` (${others} more problem${others === 1 ? '' : 's'} in details.problems)`;
    return new SwitchyardError(first.code, `${first.message}${suffix}`, {
      ...first.details,
      problems: this.problems,
      omitted: this.omitted,
    });
  }
}

/** The error for a single problem, for edits that fail on exactly one thing. */
export function problemError(
  reason: ProblemReason,
  message: string,
  details: Record<string, unknown> = {},
): SwitchyardError {
  return new SwitchyardError(CODE_OF[reason], message, { reason, ...details });
}
