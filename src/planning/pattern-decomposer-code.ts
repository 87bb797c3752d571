import { complexityOf, priorityOfAll } from './estimates.js';
import type { Component, Requirement } from '../protocol/specification.js';
import type { TaskDraft } from './task-draft.js';
import { addDraft, type Drafting, keyPart, quoted, requirementsOfKind } from './pattern-decomposer-drafting.js';

/** Most requirements one code task implements: more become further tasks of the same component. */
export const REQUIREMENTS_PER_CODE_TASK = 3;

/** What the code rule made, which the later rules read and wait for. */
export interface CodeDrafts {
  /** The components in dependency order. */
  readonly ordered: readonly Component[];
  /** The code requirements of each component, by component id. */
  readonly owned: ReadonlyMap<string, readonly Requirement[]>;
  /** The keys of each component's code tasks, by component id. */
  readonly codeOf: ReadonlyMap<string, readonly string[]>;
  /** The code tasks of the requirements no component owns. */
  readonly shared: readonly TaskDraft[];
  /** Every code artifact's key: the components' in dependency order, then the shared ones. */
  readonly all: readonly string[];
}

/** Components in dependency order (a component after those it depends on), ties in spec order; cycles keep spec order. */
function componentOrder(components: readonly Component[]): Component[] {
  const out: Component[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const byId = new Map(components.map((c) => [c.id, c]));
  const visit = (c: Component): void => {
    if (placed.has(c.id) || visiting.has(c.id)) return;
    visiting.add(c.id);
    for (const d of c.depends_on) {
      const dep = byId.get(d);
      if (dep) visit(dep);
    }
    visiting.delete(c.id);
    placed.add(c.id);
    out.push(c);
  };
  components.forEach(visit);
  return out;
}

/** The component a requirement belongs to: its own, else the one its text names (id or name), else none. */
function componentOf(r: Requirement, components: readonly Component[]): string | undefined {
  if (r.component !== undefined) return r.component;
  const words = new Set(r.text.toLowerCase().split(/[^\p{L}\p{N}_-]+/u));
  return components.find(
    (c) =>
      words.has(c.id.toLowerCase()) || (c.name !== undefined && r.text.toLowerCase().includes(c.name.toLowerCase())),
  )?.id;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** One code task: part `part` of `parts` of a component's requirements, or of those no component owns. */
function codeDraft(
  d: Drafting,
  codeOf: ReadonlyMap<string, readonly string[]>,
  component: Component | undefined,
  rs: readonly Requirement[],
  part: number,
  parts: number,
): TaskDraft {
  const id = component ? keyPart(component.id) : 'shared';
  const language = component?.language ?? 'general';
  const key = `code_${id}${parts > 1 || !component ? `_${part}` : ''}`;
  // A component's code reads the code of the components it depends on; shared code reads every component's.
  const reads = [
    'design',
    ...(component?.depends_on.flatMap((dep) => codeOf.get(dep) ?? []) ?? [...codeOf.values()].flat()),
  ];
  const what = component
    ? `component ${component.name ?? component.id}${component.description ? ` (${component.description})` : ''}`
    : 'the requirements no component owns';
  return addDraft(d, {
    key,
    type: 'code_writing',
    capability: language,
    action: `Implement ${what}${parts > 1 ? `, part ${part} of ${parts}` : ''}${component?.language ? ` in ${component.language}` : ''}: ${quoted(rs)}`,
    complexity: complexityOf(rs.map((r) => r.text)),
    priority: priorityOfAll(rs, 'should'),
    reads,
    produces: [{ key, asset_type: 'source_code', kind: 'storage' }],
    exclusive_resources: [`${id}_sources`, ...(component?.exclusive_resources ?? [])],
    requirement_ids: rs.map((r) => r.id),
    ...(component ? { component: component.id } : {}),
  });
}

/** The code requirements each component owns (every component listed, in spec order), and those none owns. */
function owners(
  coded: readonly Requirement[],
  components: readonly Component[],
): { owned: Map<string, Requirement[]>; unowned: Requirement[] } {
  const owned = new Map<string, Requirement[]>(components.map((c) => [c.id, []]));
  const unowned: Requirement[] = [];
  for (const r of coded) {
    const c = componentOf(r, components);
    if (c === undefined) unowned.push(r);
    else owned.get(c)?.push(r);
  }
  return { owned, unowned };
}

/**
 * 3. Code: per component, in dependency order, one task per {@link REQUIREMENTS_PER_CODE_TASK}
 * of its requirements, serialized on its source tree; then the tasks of the requirements no
 * component owns.
 */
export function codeDrafts(d: Drafting): CodeDrafts {
  const { owned, unowned } = owners(requirementsOfKind(d, 'code'), d.spec.components);
  const codeOf = new Map<string, string[]>();
  const ordered = componentOrder(d.spec.components);
  const backEdges: Array<{ draft: TaskDraft; component: Component; dependency: string }> = [];
  for (const c of ordered) {
    const parts = chunks(owned.get(c.id) ?? [], REQUIREMENTS_PER_CODE_TASK);
    const made = (parts.length > 0 ? parts : [[]]).map((part, i, all) =>
      codeDraft(d, codeOf, c, part, i + 1, all.length),
    );
    codeOf.set(
      c.id,
      made.map((t) => t.key),
    );
    // A dependency on a component not coded yet closes a cycle among components: it stays in the
    // plan as a declared logical edge, so the plan is refused naming the cycle, or, with
    // resolveCycles, that edge is the one removed and reported. Never dropped in silence.
    for (const dep of c.depends_on)
      if (!codeOf.has(dep)) backEdges.push({ draft: made[0], component: c, dependency: dep });
  }
  for (const { draft, component, dependency } of backEdges) {
    const last = codeOf.get(dependency)?.at(-1);
    if (last !== undefined)
      draft.after.push({
        task: last,
        type: 'logical',
        reason: `component ${component.id} depends on ${dependency}, which depends on it in turn`,
      });
  }
  const shared = chunks(unowned, REQUIREMENTS_PER_CODE_TASK).map((part, i) =>
    codeDraft(d, codeOf, undefined, part, i + 1, 1),
  );
  return { ordered, owned, codeOf, shared, all: [...[...codeOf.values()].flat(), ...shared.map((t) => t.key)] };
}
