import type { RequirementKind } from './estimates.js';
import type { Requirement, Specification } from '../protocol/specification.js';
import type { TaskDraft } from './task-draft.js';

/** A draft as the pattern rules write it: `after`, exclusive resources and requirement ids default to none. */
export type NewDraft = Omit<TaskDraft, 'after' | 'exclusive_resources' | 'requirement_ids'> &
  Partial<Pick<TaskDraft, 'after' | 'exclusive_resources' | 'requirement_ids'>>;

/** What every pattern rule reads and writes: the specification, each requirement's kind, and the drafts so far, in plan order. */
export interface Drafting {
  readonly spec: Specification;
  readonly kinds: ReadonlyMap<string, RequirementKind>;
  readonly tasks: TaskDraft[];
}

/** Appends a draft to the plan (its place in `tasks` is its place in the plan) and returns it. */
export function addDraft(d: Drafting, draft: NewDraft): TaskDraft {
  const full: TaskDraft = { after: [], exclusive_resources: [], requirement_ids: [], ...draft };
  d.tasks.push(full);
  return full;
}

/** The requirements of one kind, in spec order. */
export const requirementsOfKind = (d: Drafting, kind: RequirementKind): Requirement[] =>
  d.spec.requirements.filter((r) => d.kinds.get(r.id) === kind);

/** An id as a part of a task or artifact key: lower case, `_` for anything else. */
export const keyPart = (id: string): string =>
  id
    .toLowerCase()
    .replace(/[^a-z0-9]+/gu, '_')
    .replace(/^_+|_+$/gu, '') || 'x';

/** Requirements quoted in an action: id, priority and text of each. */
export const quoted = (rs: readonly Requirement[]): string =>
  rs.map((r) => `${r.id} (${r.priority}) ${r.text}`).join('; ');

/** `a, b and c`. */
export const joinedWithAnd = (items: readonly string[]): string =>
  items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

export const componentNames = (spec: Specification): string[] => spec.components.map((c) => c.name ?? c.id);

/** Every component's exclusive resources, once each: system-level tasks touch the whole system. */
export const allResources = (spec: Specification): string[] => [
  ...new Set(spec.components.flatMap((c) => c.exclusive_resources)),
];

/** Logical `after` entries on `keys`, each giving `because` and the task it waits for. */
export const afterAll = (keys: readonly string[], because: string): TaskDraft['after'] =>
  keys.map((k) => ({ task: k, type: 'logical' as const, reason: `${because} (${k})` }));
