import { ErrorCodes, type Result, SwitchyardError } from '../protocol/errors.js';
import { parseWith } from '../protocol/parse.js';
import { CheckedPlanMessageSchema, CheckedWorkflowSchema, isCheckedTaskList } from './task-list-check.js';
import { type PlanMessage, PlanMessageSchema, type TaskSpec, type Workflow, WorkflowSchema } from '../protocol/plan.js';
import type { RefDeclaration, RefStatus, Resources } from '../protocol/refs.js';

/** Which `resources` list declared a ref. */
export type RefKind = 'source' | 'storage' | 'derived';

/** A ref declaration normalized: its kind, URI (if known) and starting status. */
export interface DeclaredRef {
  readonly ref_id: string;
  readonly kind: RefKind;
  readonly storage_uri: string | null;
  readonly status: RefStatus;
  readonly asset_type?: string;
}

/** A plan reduced to what the graph needs: tasks in the order given, declared refs, planner groups. */
export interface PlanInput {
  /** Tasks in the order the plan lists them. */
  readonly tasks: readonly TaskSpec[];
  /** For the seed's keyed form, the key each task stood under (same order as `tasks`). */
  readonly taskKeys?: readonly string[];
  /** Every ref the plan's `resources` declare, in declaration order (duplicates kept). */
  readonly refs: readonly DeclaredRef[];
  /** The planner's `execution_groups`, `execution_order` and `total_tasks`, when given. */
  readonly workflow?: Pick<Workflow, 'execution_groups' | 'execution_order' | 'total_tasks'>;
  /** The whole plan message, when the input was one. */
  readonly message?: PlanMessage;
  /**
   * Where an id-keyed table (tasks, a refs list, `execution_groups`) had a `__proto__` key,
   * which schemas drop without a word: the graph refuses the plan with `INVALID_ID`.
   */
  readonly unsafeKeys?: readonly string[];
}

const LISTS: ReadonlyArray<readonly ['source_refs' | 'storage_refs' | 'derived_refs', RefKind]> = [
  ['source_refs', 'source'],
  ['storage_refs', 'storage'],
  ['derived_refs', 'derived'],
];

function declaredRef(decl: RefDeclaration, kind: RefKind): DeclaredRef {
  const uri = decl.storage_uri ?? decl.uri ?? decl.url ?? null;
  let status: RefStatus;
  if (decl.status !== undefined) status = decl.status;
  else if (kind === 'source') status = 'reference';
  else if (uri === null) status = 'pending';
  else status = kind === 'storage' ? 'stored' : 'created';
  const ref: DeclaredRef = { ref_id: decl.ref_id, kind, storage_uri: uri, status };
  return decl.asset_type === undefined ? ref : { ...ref, asset_type: decl.asset_type };
}

/** Flattens `resources.source_refs / storage_refs / derived_refs` (lists or keyed records). */
export function declaredRefs(resources: Resources | undefined): DeclaredRef[] {
  const out: DeclaredRef[] = [];
  if (!resources) return out;
  for (const [list, kind] of LISTS) {
    const value = resources[list];
    if (!value) continue;
    if (Array.isArray(value)) for (const decl of value) out.push(declaredRef(decl, kind));
    else
      for (const [key, decl] of Object.entries(value))
        out.push(declaredRef({ ...decl, ref_id: decl.ref_id ?? key }, kind));
  }
  return out;
}

function mergeResources(...all: Array<Resources | undefined>): Resources | undefined {
  const present = all.filter((r): r is Resources => r !== undefined);
  if (present.length <= 1) return present[0];
  const merged: Resources = {};
  for (const [list] of LISTS) {
    const parts = present.map((r) => r[list]).filter((v) => v !== undefined);
    if (parts.length === 0) continue;
    merged[list] = parts.flatMap((v) =>
      Array.isArray(v) ? v : Object.entries(v).map(([key, decl]) => ({ ...decl, ref_id: decl.ref_id ?? key })),
    );
  }
  return merged;
}

function fromWorkflow(workflow: Workflow, resources: Resources | undefined, message?: PlanMessage): PlanInput {
  const keyed = !Array.isArray(workflow.tasks);
  // A copy of the list: the tasks themselves may be the caller's own (task-list-check.ts).
  const tasks = keyed ? Object.values(workflow.tasks) : (workflow.tasks as TaskSpec[]).slice();
  const base = {
    tasks,
    refs: declaredRefs(resources),
    workflow: {
      execution_groups: workflow.execution_groups,
      execution_order: workflow.execution_order,
      total_tasks: workflow.total_tasks,
    },
  };
  const withKeys = keyed ? { ...base, taskKeys: Object.keys(workflow.tasks) } : base;
  return message ? { ...withKeys, message } : withKeys;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a plan: either the planning agent's whole message (`output.content.workflow`, with
 * `resources` at the top level, in `output.content` or in the workflow) or a bare workflow
 * object (`{ tasks, resources?, … }`). Schema violations are `INVALID_INPUT` with paths.
 */
export function readPlan(value: unknown): Result<PlanInput> {
  if (!isObject(value)) {
    return {
      ok: false,
      error: new SwitchyardError(
        ErrorCodes.INVALID_INPUT,
        `A plan must be a JSON object (a planning agent message or a workflow), got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}.`,
      ),
    };
  }
  if ('output' in value || 'agent' in value) {
    const content = field(field(value, 'output'), 'content');
    const tasks = field(field(content, 'workflow'), 'tasks');
    const parsed = isCheckedTaskList(tasks)
      ? parseWith(CheckedPlanMessageSchema, value, 'plan message')
      : parseWith(PlanMessageSchema, value, 'plan message');
    if (!parsed.ok) return parsed;
    const message = parsed.value;
    const { workflow } = message.output.content;
    const resources = mergeResources(message.resources, message.output.content.resources, workflow.resources);
    const unsafe = [
      ...unsafeKeys(field(content, 'workflow'), 'output.content.workflow'),
      ...unsafeKeys(value, ''),
      ...unsafeKeys(content, 'output.content'),
    ];
    return { ok: true, value: withUnsafe(fromWorkflow(workflow, resources, message), unsafe) };
  }
  const parsed = isCheckedTaskList(value.tasks)
    ? parseWith(CheckedWorkflowSchema, value, 'workflow')
    : parseWith(WorkflowSchema, value, 'workflow');
  if (!parsed.ok) return parsed;
  return { ok: true, value: withUnsafe(fromWorkflow(parsed.value, parsed.value.resources), unsafeKeys(value, '')) };
}

const KEYED_TABLES = ['tasks', 'execution_groups'] as const;

/**
 * Paths of the id-keyed tables under `holder` (its tasks and `execution_groups`, and the ref
 * lists of its `resources`) that have an own `__proto__` key. Only the raw input shows them:
 * zod leaves such a key out of what it returns.
 */
function unsafeKeys(holder: unknown, at: string): string[] {
  const out: string[] = [];
  const prefix = at === '' ? '' : `${at}.`;
  const look = (table: unknown, path: string) => {
    if (isObject(table) && Object.hasOwn(table, '__proto__')) out.push(path);
  };
  for (const key of KEYED_TABLES) look(field(holder, key), `${prefix}${key}`);
  for (const [list] of LISTS) look(field(field(holder, 'resources'), list), `${prefix}resources.${list}`);
  return out;
}

function withUnsafe(input: PlanInput, unsafe: readonly string[]): PlanInput {
  return unsafe.length === 0 ? input : { ...input, unsafeKeys: unsafe };
}

/** `value[key]` when `value` is an object, else `undefined`. */
function field(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}
