import { complexityOf, priorityOfAll, requirementKind } from './estimates.js';
import type { Component, Specification } from '../protocol/specification.js';
import type { PlanDraft, TaskDraft } from './task-draft.js';
import { type CodeDrafts, codeDrafts, REQUIREMENTS_PER_CODE_TASK } from './pattern-decomposer-code.js';
import {
  addDraft,
  afterAll,
  allResources,
  componentNames,
  type Drafting,
  joinedWithAnd,
  keyPart,
  quoted,
  requirementsOfKind,
} from './pattern-decomposer-drafting.js';

export { REQUIREMENTS_PER_CODE_TASK };

/** 1. Research: one task on the whole specification, plus one per requirement that asks to evaluate, compare or choose. */
function researchDrafts(d: Drafting): TaskDraft[] {
  const { spec } = d;
  const inputs = spec.inputs.map((i) => i.id);
  return [
    addDraft(d, {
      key: 'research',
      type: 'research',
      capability: 'general',
      action: `Research prior art, libraries and risks for "${spec.title}": ${spec.goal}`,
      complexity: complexityOf([spec.goal], 0.5),
      priority: 'must',
      reads: inputs,
      produces: [{ key: 'research_notes', asset_type: 'research_notes', kind: 'derived' }],
    }),
    ...requirementsOfKind(d, 'research').map((r) =>
      addDraft(d, {
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
}

/** 2. Design: one task reading the research. */
function designDraft(d: Drafting, research: readonly TaskDraft[]): TaskDraft {
  const { spec } = d;
  const names = componentNames(spec);
  return addDraft(d, {
    key: 'design',
    type: 'design',
    capability: 'architecture',
    action: `Design the architecture of "${spec.title}"${names.length > 0 ? `: components ${joinedWithAnd(names)}, their interfaces and data formats` : ''}${spec.constraints.length > 0 ? `, within the constraints: ${spec.constraints.join('; ')}` : ''}`,
    complexity: complexityOf([spec.goal, ...spec.constraints], spec.components.length * 0.5),
    priority: 'must',
    reads: research.flatMap((t) => t.produces.map((p) => p.key)),
    produces: [{ key: 'design', asset_type: 'design_document', kind: 'derived' }],
  });
}

/** 4. Unit tests: per component, after its code, covering its requirements and the acceptance criteria that name it. */
function unitTestDrafts(d: Drafting, code: CodeDrafts): TaskDraft[] {
  const criteria = (component: Component): string[] =>
    d.spec.acceptance_criteria.filter((a) => a.toLowerCase().includes(component.id.toLowerCase()));
  return code.ordered.map((c) => {
    const tested = code.codeOf.get(c.id) ?? [];
    const rs = code.owned.get(c.id) ?? [];
    return addDraft(d, {
      key: `tests_${keyPart(c.id)}`,
      type: 'testing',
      capability: 'unit',
      action: `Write and run unit tests for ${c.name ?? c.id}${rs.length > 0 ? ` covering ${rs.map((r) => r.id).join(', ')}` : ''}${criteria(c).length > 0 ? `, and the acceptance criteria: ${criteria(c).join('; ')}` : ''}`,
      complexity: complexityOf(
        rs.map((r) => r.text),
        0.5,
      ),
      priority: priorityOfAll(rs, 'should'),
      reads: [...tested],
      produces: [{ key: `tests_${keyPart(c.id)}`, asset_type: 'test_report', kind: 'derived' }],
      after: afterAll(tested, 'tests run after the code they test'),
      exclusive_resources: c.exclusive_resources,
      requirement_ids: rs.map((r) => r.id),
      component: c.id,
    });
  });
}

/** 5a. Integration, for more than one code unit: end-to-end tests once every part is tested. */
function integrationDraft(d: Drafting, code: CodeDrafts, unitTests: readonly TaskDraft[]): TaskDraft {
  const { spec } = d;
  return addDraft(d, {
    key: 'integration',
    type: 'integration',
    capability: 'end-to-end',
    action: `Integrate ${joinedWithAnd([...componentNames(spec), ...(code.shared.length > 0 ? ['the shared code'] : [])])} and run end-to-end tests across them`,
    complexity: complexityOf([spec.goal], code.all.length * 0.5),
    priority: 'must',
    reads: [...code.all],
    produces: [{ key: 'integration_report', asset_type: 'test_report', kind: 'derived' }],
    after: afterAll(
      unitTests.map((t) => t.key),
      'integration after its parts are tested',
    ),
    exclusive_resources: allResources(spec),
  });
}

/** 5b. A load test per performance requirement, then a security review per security requirement, after `gate`. */
function systemCheckDrafts(d: Drafting, code: CodeDrafts, gate: readonly string[]): TaskDraft[] {
  return [...requirementsOfKind(d, 'performance'), ...requirementsOfKind(d, 'security')].map((r) => {
    const security = d.kinds.get(r.id) === 'security';
    const key = `${security ? 'security' : 'performance'}_${keyPart(r.id)}`;
    return addDraft(d, {
      key,
      type: security ? 'review' : 'testing',
      capability: security ? 'security' : 'load',
      action: `${security ? 'Review the security of the system' : 'Load and performance test the system'} for ${r.id}: ${r.text}`,
      complexity: complexityOf([r.text], 1),
      priority: r.priority,
      reads: [...code.all],
      produces: [
        {
          key: `${key}_report`,
          asset_type: security ? 'review_notes' : 'performance_report',
          kind: 'derived',
        },
      ],
      after: afterAll(gate, 'system-level checks run on the integrated system'),
      exclusive_resources: allResources(d.spec),
      requirement_ids: [r.id],
    });
  });
}

/** 5c. Acceptance, when there are criteria: checked after `gate`, every other check. */
function acceptanceDraft(d: Drafting, code: CodeDrafts, gate: readonly string[]): TaskDraft {
  const criteria = d.spec.acceptance_criteria;
  return addDraft(d, {
    key: 'acceptance',
    type: 'testing',
    capability: 'acceptance',
    action: `Verify the acceptance criteria: ${criteria.join('; ')}`,
    complexity: complexityOf(criteria),
    priority: 'must',
    reads: [...code.all],
    produces: [{ key: 'acceptance_report', asset_type: 'test_report', kind: 'derived' }],
    after: afterAll(gate, 'acceptance is checked on the tested, integrated system'),
  });
}

/** 5. The system-level checks, in plan order: integration, performance and security, acceptance. */
function systemDrafts(d: Drafting, code: CodeDrafts, unitTests: readonly TaskDraft[]): TaskDraft[] {
  const integration = code.all.length > 1 ? integrationDraft(d, code, unitTests) : undefined;
  // System-level checks wait for the integrated system, or, with one code unit, for its tests.
  const gate = integration ? [integration.key] : unitTests.map((t) => t.key);
  const special = systemCheckDrafts(d, code, gate);
  const acceptance =
    d.spec.acceptance_criteria.length > 0
      ? acceptanceDraft(d, code, [...gate, ...special.map((s) => s.key)])
      : undefined;
  return [...(integration ? [integration] : []), ...special, ...(acceptance ? [acceptance] : [])];
}

/** 6a. The user documentation, after the code it describes. */
function docsDraft(d: Drafting, code: CodeDrafts): TaskDraft {
  const { spec } = d;
  const docs = requirementsOfKind(d, 'documentation');
  return addDraft(d, {
    key: 'docs',
    type: 'documentation',
    capability: 'user-guide',
    action: `Write the user documentation of "${spec.title}": installation, usage and examples${docs.length > 0 ? `, covering ${quoted(docs)}` : ''}`,
    complexity: complexityOf(
      docs.map((r) => r.text),
      0.5 + spec.components.length * 0.3,
    ),
    priority: priorityOfAll(docs, 'should'),
    reads: ['design', ...code.all],
    produces: [{ key: 'docs', asset_type: 'documentation', kind: 'storage' }],
    after: afterAll(code.all, 'documentation describes the finished code'),
    requirement_ids: docs.map((r) => r.id),
  });
}

/** 6b. A review of the code and its tests against the constraints. */
function reviewDraft(d: Drafting, code: CodeDrafts, unitTests: readonly TaskDraft[]): TaskDraft {
  const { constraints } = d.spec;
  return addDraft(d, {
    key: 'review',
    type: 'review',
    capability: 'code',
    action: `Review the code and tests${constraints.length > 0 ? ` against the constraints: ${constraints.join('; ')}` : ' for correctness and maintainability'}`,
    complexity: complexityOf(constraints, 0.5),
    priority: 'should',
    reads: [...code.all, ...unitTests.map((t) => t.key)],
    produces: [{ key: 'review_notes', asset_type: 'review_notes', kind: 'derived' }],
  });
}

/** 7. The final synthesis report, reading every report. */
function reportDraft(d: Drafting, reports: readonly string[]): TaskDraft {
  const { spec } = d;
  return addDraft(d, {
    key: 'report',
    type: 'synthesis',
    capability: 'report',
    action: `Write the final report of "${spec.title}": what was built for each requirement, test, acceptance and review results, and what is still open`,
    complexity: complexityOf([spec.goal], 0.5),
    priority: 'must',
    reads: [...reports],
    produces: [{ key: 'final_report', asset_type: 'final_report', kind: 'derived' }],
    requirement_ids: spec.requirements.map((r) => r.id),
  });
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
  const d: Drafting = {
    spec,
    kinds: new Map(spec.requirements.map((r) => [r.id, requirementKind(r.text)])),
    tasks: [],
  };
  const research = researchDrafts(d);
  designDraft(d, research);
  const code = codeDrafts(d);
  const unitTests = unitTestDrafts(d, code);
  // Every task from the unit tests to the review produces exactly one report, in this order.
  const checks = [
    ...unitTests,
    ...systemDrafts(d, code, unitTests),
    docsDraft(d, code),
    reviewDraft(d, code, unitTests),
  ];
  reportDraft(
    d,
    checks.flatMap((t) => t.produces.map((p) => p.key)),
  );
  return { tasks: d.tasks };
}
