import { z } from 'zod';
import { PRIORITIES } from '../protocol/specification.js';
import { TASK_TYPES } from './task-types.js';

/** How much work a task is; becomes the plan's `estimated_weight` (light / medium / heavy). */
export const COMPLEXITIES = ['low', 'medium', 'high'] as const;
export type Complexity = (typeof COMPLEXITIES)[number];

const Key = z
  .string()
  .regex(
    /^[a-z][a-z0-9_]{0,79}$/u,
    'a key is lower-case letters, digits and _ (e.g. code_store), starting with a letter',
  );

/** An artifact a task produces, named by a key other drafts read it by. */
export const ArtifactDraftSchema = z.strictObject({
  key: Key,
  /** What it is: `source_code`, `test_report`, `documentation`, … */
  asset_type: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/u, 'an asset type is lower-case letters, digits and _'),
  /** `storage` artifacts (files kept: code, docs) become `store_N` refs; `derived` ones (reports, notes) `derived_N`. */
  kind: z.enum(['storage', 'derived']),
});

/** A dependency a draft declares beside the data its reads imply. */
export const OrderingDraftSchema = z.strictObject({
  /** The key of the task that must finish first. */
  task: Key,
  /** `logical`: tests after the code they test, docs after the code they describe, integration after its parts. */
  type: z.literal('logical'),
  reason: z.string().min(1).max(500),
});

/**
 * A task as a decomposer drafts it, before ids, refs and groups are assigned: what the pattern
 * rules make and what an LLM is asked to answer with (its JSON Schema is this schema's).
 */
export const TaskDraftSchema = z.strictObject({
  /** A name unique in the plan (`research`, `code_store_1`, `tests_cli`). */
  key: Key,
  type: z.enum(TASK_TYPES),
  action: z.string().min(1).max(2000),
  /** Qualifies the capability id: `typescript` makes `CAP-CODE-TYPESCRIPT`. */
  capability: z.string().regex(/^[A-Za-z0-9-]{1,40}$/u, 'a capability qualifier is letters, digits and -'),
  complexity: z.enum(COMPLEXITIES),
  priority: z.enum(PRIORITIES),
  /** Keys of artifacts (or ids of the specification's inputs) the task reads. */
  reads: z.array(z.string().min(1)).max(200),
  produces: z.array(ArtifactDraftSchema).max(20),
  after: z.array(OrderingDraftSchema).max(200),
  /** Resources only one task may hold at a time; tasks sharing one are serialized. */
  exclusive_resources: z.array(Key).max(20),
  /** The requirements (by id) the task serves. */
  requirement_ids: z.array(z.string()).max(100),
  /** The component it belongs to, if any. */
  component: z.string().optional(),
});
export type TaskDraft = z.infer<typeof TaskDraftSchema>;
export type ArtifactDraft = z.infer<typeof ArtifactDraftSchema>;

/** What a decomposer answers: the drafts, in an order where each reads only what earlier ones produce. */
export const PlanDraftSchema = z.strictObject({ tasks: z.array(TaskDraftSchema).min(1).max(1000) });
export type PlanDraft = z.infer<typeof PlanDraftSchema>;
