import { complexityOf, priorityOfAll, type RequirementKind, requirementKind } from './estimates.js';
import type { Component, Requirement, Specification } from '../protocol/specification.js';
import type { PlanDraft, TaskDraft } from './task-draft.js';

/** Most requirements one code task implements: more become further tasks of the same component. */
export const REQUIREMENTS_PER_CODE_TASK = 3;

const keyPart = (id: string): string =>
  id
    .toLowerCase()
    .replace(/[^a-z0-9]+/gu, '_')
    .replace(/^_+|_+$/gu, '') || 'x';
const quote = (rs: readonly Requirement[]): string => rs.map((r) => `${r.id} (${r.priority}) ${r.text}`).join('; ');
const list = (items: readonly string[]): string =>
  items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

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

/**
 * The pattern rules: a specification becomes atomic task drafts, deterministically (same
 * specification, same drafts). In order:
 *
 * 1. research: one task on the whole specification (reading its inputs), plus one per
 *    requirement that asks to evaluate, compare or choose;
 * 2. design: one task reading the research;
 * 3. code: per component, in dependency order, one task per {@link REQUIREMENTS_PER_CODE_TASK}
 *    of its requirements, reading the design and the code of the components it depends on;
 *    the tasks of one component are serialized on its source tree (a resource); requirements
 *    no component claims get their own code tasks, after every component's code;
 * 4. tests: per component, after its code; a performance or security requirement gets its own
 *    test or review task after integration;
 * 5. integration (with more than one code unit), then acceptance when there are criteria;
 * 6. documentation after the code it describes; a review against the constraints;
 * 7. a final synthesis report reading every report.
 */
export function patternDrafts(spec: Specification): PlanDraft {
  const tasks: TaskDraft[] = [];
  const add = (
    draft: Omit<TaskDraft, 'after' | 'exclusive_resources' | 'requirement_ids'> &
      Partial<Pick<TaskDraft, 'after' | 'exclusive_resources' | 'requirement_ids'>>,
  ): TaskDraft => {
    const full: TaskDraft = { after: [], exclusive_resources: [], requirement_ids: [], ...draft };
    tasks.push(full);
    return full;
  };
  const kinds = new Map<string, RequirementKind>(spec.requirements.map((r) => [r.id, requirementKind(r.text)]));
  const ofKind = (kind: RequirementKind) => spec.requirements.filter((r) => kinds.get(r.id) === kind);
  const inputs = spec.inputs.map((i) => i.id);

  // 1. Research.
  const research = [
    add({
      key: 'research',
      type: 'research',
      capability: 'general',
      action: `Research prior art, libraries and risks for "${spec.title}": ${spec.goal}`,
      complexity: complexityOf([spec.goal], 0.5),
      priority: 'must',
      reads: inputs,
      produces: [{ key: 'research_notes', asset_type: 'research_notes', kind: 'derived' }],
    }),
    ...ofKind('research').map((r) =>
      add({
        key: `research_${keyPart(r.id)}`,
        type: 'research',
        capability: 'evaluation',
        action: `Research ${r.id}: ${r.text}`,
        complexity: complexityOf([r.text]),
        priority: r.priority,
        reads: inputs,
        produces: [{ key: `findings_${keyPart(r.id)}`, asset_type: 'research_notes', kind: 'derived' }],
        requirement_ids: [r.id],
      }),
    ),
  ];

  // 2. Design.
  const names = spec.components.map((c) => c.name ?? c.id);
  add({
    key: 'design',
    type: 'design',
    capability: 'architecture',
    action: `Design the architecture of "${spec.title}"${names.length > 0 ? `: components ${list(names)}, their interfaces and data formats` : ''}${spec.constraints.length > 0 ? `, within the constraints: ${spec.constraints.join('; ')}` : ''}`,
    complexity: complexityOf([spec.goal, ...spec.constraints], spec.components.length * 0.5),
    priority: 'must',
    reads: research.flatMap((t) => t.produces.map((p) => p.key)),
    produces: [{ key: 'design', asset_type: 'design_document', kind: 'derived' }],
  });

  // 3. Code.
  const coded = ofKind('code');
  const owned = new Map<string, Requirement[]>(spec.components.map((c) => [c.id, []]));
  const unowned: Requirement[] = [];
  for (const r of coded) {
    const c = componentOf(r, spec.components);
    if (c === undefined) unowned.push(r);
    else owned.get(c)?.push(r);
  }
  const codeOf = new Map<string, string[]>();
  const codeTask = (
    component: Component | undefined,
    rs: readonly Requirement[],
    part: number,
    parts: number,
  ): TaskDraft => {
    const id = component ? keyPart(component.id) : 'shared';
    const language = component?.language ?? 'general';
    const key = `code_${id}${parts > 1 || !component ? `_${part}` : ''}`;
    const reads = [
      'design',
      ...(component?.depends_on.flatMap((d) => codeOf.get(d) ?? []) ?? [...codeOf.values()].flat()),
    ];
    const what = component
      ? `component ${component.name ?? component.id}${component.description ? ` (${component.description})` : ''}`
      : 'the requirements no component owns';
    return add({
      key,
      type: 'code_writing',
      capability: language,
      action: `Implement ${what}${parts > 1 ? `, part ${part} of ${parts}` : ''}${component?.language ? ` in ${component.language}` : ''}: ${quote(rs)}`,
      complexity: complexityOf(rs.map((r) => r.text)),
      priority: priorityOfAll(rs, 'should'),
      reads,
      produces: [{ key, asset_type: 'source_code', kind: 'storage' }],
      exclusive_resources: [`${id}_sources`, ...(component?.exclusive_resources ?? [])],
      requirement_ids: rs.map((r) => r.id),
      ...(component ? { component: component.id } : {}),
    });
  };
  const ordered = componentOrder(spec.components);
  const backEdges: Array<{ draft: TaskDraft; component: Component; dependency: string }> = [];
  for (const c of ordered) {
    const rs = owned.get(c.id) ?? [];
    const parts = chunks(rs, REQUIREMENTS_PER_CODE_TASK);
    const made = (parts.length > 0 ? parts : [[]]).map((part, i, all) => codeTask(c, part, i + 1, all.length));
    codeOf.set(
      c.id,
      made.map((t) => t.key),
    );
    // A dependency on a component not coded yet closes a cycle among components: it stays in the
    // plan as a declared logical edge, so the plan is refused naming the cycle, or, with
    // resolveCycles, that edge is the one removed and reported. Never dropped in silence.
    for (const d of c.depends_on) if (!codeOf.has(d)) backEdges.push({ draft: made[0], component: c, dependency: d });
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
  const shared = chunks(unowned, REQUIREMENTS_PER_CODE_TASK).map((part, i) => codeTask(undefined, part, i + 1, 1));
  const allCode = [...[...codeOf.values()].flat(), ...shared.map((t) => t.key)];

  // 4. Unit tests per component.
  const criteria = (component: Component): string[] =>
    spec.acceptance_criteria.filter((a) => a.toLowerCase().includes(component.id.toLowerCase()));
  const unitTests = ordered.map((c) => {
    const code = codeOf.get(c.id) ?? [];
    const rs = owned.get(c.id) ?? [];
    return add({
      key: `tests_${keyPart(c.id)}`,
      type: 'testing',
      capability: 'unit',
      action: `Write and run unit tests for ${c.name ?? c.id}${rs.length > 0 ? ` covering ${rs.map((r) => r.id).join(', ')}` : ''}${criteria(c).length > 0 ? `, and the acceptance criteria: ${criteria(c).join('; ')}` : ''}`,
      complexity: complexityOf(
        rs.map((r) => r.text),
        0.5,
      ),
      priority: priorityOfAll(rs, 'should'),
      reads: code,
      produces: [{ key: `tests_${keyPart(c.id)}`, asset_type: 'test_report', kind: 'derived' }],
      after: code.map((k) => ({
        task: k,
        type: 'logical' as const,
        reason: `tests run after the code they test (${k})`,
      })),
      exclusive_resources: c.exclusive_resources,
      requirement_ids: rs.map((r) => r.id),
      component: c.id,
    });
  });

  // 5. Integration and acceptance.
  const reports: string[] = unitTests.map((t) => t.key);
  const needsIntegration = allCode.length > 1;
  if (needsIntegration) {
    add({
      key: 'integration',
      type: 'integration',
      capability: 'end-to-end',
      action: `Integrate ${list([...names, ...(shared.length > 0 ? ['the shared code'] : [])])} and run end-to-end tests across them`,
      complexity: complexityOf([spec.goal], allCode.length * 0.5),
      priority: 'must',
      reads: allCode,
      produces: [{ key: 'integration_report', asset_type: 'test_report', kind: 'derived' }],
      after: unitTests.map((t) => ({
        task: t.key,
        type: 'logical' as const,
        reason: `integration after its parts are tested (${t.key})`,
      })),
      exclusive_resources: [...new Set(spec.components.flatMap((c) => c.exclusive_resources))],
    });
    reports.push('integration_report');
  }
  const gate = needsIntegration ? ['integration'] : unitTests.map((t) => t.key);
  const special = [...ofKind('performance'), ...ofKind('security')].map((r) => {
    const kind = kinds.get(r.id);
    const key = `${kind === 'security' ? 'security' : 'performance'}_${keyPart(r.id)}`;
    const draft = add({
      key,
      type: kind === 'security' ? 'review' : 'testing',
      capability: kind === 'security' ? 'security' : 'load',
      action: `${kind === 'security' ? 'Review the security of the system' : 'Load and performance test the system'} for ${r.id}: ${r.text}`,
      complexity: complexityOf([r.text], 1),
      priority: r.priority,
      reads: allCode,
      produces: [
        {
          key: `${key}_report`,
          asset_type: kind === 'security' ? 'review_notes' : 'performance_report',
          kind: 'derived',
        },
      ],
      after: gate.map((g) => ({
        task: g,
        type: 'logical' as const,
        reason: `system-level checks run on the integrated system (${g})`,
      })),
      exclusive_resources: [...new Set(spec.components.flatMap((c) => c.exclusive_resources))],
      requirement_ids: [r.id],
    });
    reports.push(`${key}_report`);
    return draft;
  });
  if (spec.acceptance_criteria.length > 0) {
    add({
      key: 'acceptance',
      type: 'testing',
      capability: 'acceptance',
      action: `Verify the acceptance criteria: ${spec.acceptance_criteria.join('; ')}`,
      complexity: complexityOf(spec.acceptance_criteria),
      priority: 'must',
      reads: allCode,
      produces: [{ key: 'acceptance_report', asset_type: 'test_report', kind: 'derived' }],
      after: [...gate, ...special.map((s) => s.key)].map((g) => ({
        task: g,
        type: 'logical' as const,
        reason: `acceptance is checked on the tested, integrated system (${g})`,
      })),
    });
    reports.push('acceptance_report');
  }

  // 6. Documentation and review.
  const docs = ofKind('documentation');
  add({
    key: 'docs',
    type: 'documentation',
    capability: 'user-guide',
    action: `Write the user documentation of "${spec.title}": installation, usage and examples${docs.length > 0 ? `, covering ${quote(docs)}` : ''}`,
    complexity: complexityOf(
      docs.map((r) => r.text),
      0.5 + names.length * 0.3,
    ),
    priority: priorityOfAll(docs, 'should'),
    reads: ['design', ...allCode],
    produces: [{ key: 'docs', asset_type: 'documentation', kind: 'storage' }],
    after: allCode.map((k) => ({
      task: k,
      type: 'logical' as const,
      reason: `documentation describes the finished code (${k})`,
    })),
    requirement_ids: docs.map((r) => r.id),
  });
  reports.push('docs');
  add({
    key: 'review',
    type: 'review',
    capability: 'code',
    action: `Review the code and tests${spec.constraints.length > 0 ? ` against the constraints: ${spec.constraints.join('; ')}` : ' for correctness and maintainability'}`,
    complexity: complexityOf(spec.constraints, 0.5),
    priority: 'should',
    reads: [...allCode, ...unitTests.map((t) => t.key)],
    produces: [{ key: 'review_notes', asset_type: 'review_notes', kind: 'derived' }],
  });
  reports.push('review_notes');

  // 7. The final report.
  add({
    key: 'report',
    type: 'synthesis',
    capability: 'report',
    action: `Write the final report of "${spec.title}": what was built for each requirement, test, acceptance and review results, and what is still open`,
    complexity: complexityOf([spec.goal], 0.5),
    priority: 'must',
    reads: reports,
    produces: [{ key: 'final_report', asset_type: 'final_report', kind: 'derived' }],
    requirement_ids: spec.requirements.map((r) => r.id),
  });
  return { tasks };
}
