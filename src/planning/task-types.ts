import { DEFAULT_ROUTES, type RouteRule } from '../protocol/routes.js';

/** The kinds of task a decomposer makes (seed 002's task type classification). */
export const TASK_TYPES = [
  'research',
  'design',
  'code_writing',
  'testing',
  'integration',
  'documentation',
  'review',
  'synthesis',
] as const;
export type TaskType = (typeof TASK_TYPES)[number];

/**
 * Each task type's capability prefix: Switchyard's own namespace beside seed 003's `CAP-ACQ-*`
 * … `CAP-SYN-*` table. The ids stay under `CAP-` so that a decomposed plan runs under the seed's
 * default routing (synthesis on `reasoning_agent`, the rest on `execution_agent`) and, with
 * {@link TASK_TYPE_ROUTES}, on specialized agents.
 */
export const CAPABILITY_PREFIX: Readonly<Record<TaskType, string>> = {
  research: 'CAP-RES-',
  design: 'CAP-DES-',
  code_writing: 'CAP-CODE-',
  testing: 'CAP-TEST-',
  integration: 'CAP-INT-',
  documentation: 'CAP-DOC-',
  review: 'CAP-REV-',
  synthesis: 'CAP-SYN-',
};

/** The agent each task type goes to under {@link TASK_TYPE_ROUTES}. */
export const TASK_TYPE_AGENT: Readonly<Record<TaskType, string>> = {
  research: 'researcher',
  design: 'reasoning_agent',
  code_writing: 'code_writer',
  testing: 'tester',
  integration: 'tester',
  documentation: 'code_writer',
  review: 'reasoning_agent',
  synthesis: 'reasoning_agent',
};

/**
 * A routing table that sends each task type to a specialized agent (researcher, code writer,
 * tester, reasoning agent), then falls back to seed 003's table for `CAP-*` ids of other
 * planners. It is configuration: pass it, or your own, as the `routes` option.
 */
export const TASK_TYPE_ROUTES: readonly RouteRule[] = [
  ...TASK_TYPES.map((type) => ({
    prefix: CAPABILITY_PREFIX[type],
    agent: TASK_TYPE_AGENT[type],
    reason: `{capability} is a ${type.replace('_', ' ')} task`,
  })),
  ...DEFAULT_ROUTES,
];

/** The capability id of a task type with a qualifier (`CAP-CODE-TYPESCRIPT`, `CAP-TEST-UNIT`). */
export function capabilityId(type: TaskType, qualifier: string): string {
  return `${CAPABILITY_PREFIX[type]}${
    qualifier
      .toUpperCase()
      .replace(/[^A-Z0-9]+/gu, '-')
      .replace(/^-|-$/gu, '') || 'GENERAL'
  }`;
}

/** The task type a capability id belongs to, or `undefined` for ids outside the namespace. */
export function taskTypeOf(capability: string): TaskType | undefined {
  return TASK_TYPES.find((type) => capability.startsWith(CAPABILITY_PREFIX[type]));
}
