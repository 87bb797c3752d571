import { z } from 'zod';

/**
 * Status of a ref in the registry. `reference` (sources), `stored` (store refs) and
 * `created` (derived refs) count as resolved; `pending` does not.
 */
export const RefStatusSchema = z.enum(['reference', 'pending', 'stored', 'created']);
export type RefStatus = z.infer<typeof RefStatusSchema>;

/** Statuses a producing agent may report for a ref it produced. */
export const ProducedRefStatusSchema = z.enum(['reference', 'stored', 'created']);

/**
 * A ref as the planner declares it in `resources.*_refs`. Sources carry their URI in
 * `storage_uri` (or `uri` / `url`); store and derived refs start with `storage_uri: null`.
 */
export const RefDeclarationSchema = z.looseObject({
  ref_id: z.string().min(1),
  storage_uri: z.string().nullable().optional(),
  uri: z.string().optional(),
  url: z.string().optional(),
  asset_type: z.string().optional(),
  status: RefStatusSchema.optional(),
});
export type RefDeclaration = z.infer<typeof RefDeclarationSchema>;

/** A list of ref declarations, or a record keyed by ref id (`ref_id` then optional). */
export const RefDeclarationListSchema = z.union([
  z.array(RefDeclarationSchema),
  z.record(z.string(), RefDeclarationSchema.extend({ ref_id: z.string().min(1).optional() })),
]);

/** `resources` of a plan: where the ref registry is populated from (seed 003, Step 1). */
export const ResourcesSchema = z.looseObject({
  source_refs: RefDeclarationListSchema.optional(),
  storage_refs: RefDeclarationListSchema.optional(),
  derived_refs: RefDeclarationListSchema.optional(),
});
export type Resources = z.infer<typeof ResourcesSchema>;

/** A ref an agent reports in `output_refs_produced`. */
export const ProducedRefSchema = z.looseObject({
  ref_id: z.string().min(1),
  storage_uri: z.string().min(1),
  asset_type: z.string().optional(),
  status: ProducedRefStatusSchema.optional(),
});
export type ProducedRef = z.infer<typeof ProducedRefSchema>;

/** A ref as a dispatch carries it in `input_refs_resolved`. */
export const ResolvedRefSchema = z.looseObject({
  ref_id: z.string().min(1),
  storage_uri: z.string().nullable(),
  status: RefStatusSchema,
});
export type ResolvedRef = z.infer<typeof ResolvedRefSchema>;

/** One entry of `workflow_state.ref_registry`. */
export const RefRegistryEntrySchema = z.looseObject({
  storage_uri: z.string().nullable(),
  status: RefStatusSchema,
  asset_type: z.string().optional(),
});
export type RefRegistryEntry = z.infer<typeof RefRegistryEntrySchema>;

/** One entry of `workflow_result.derived_refs_final`. */
export const FinalRefSchema = z.looseObject({
  ref_id: z.string().min(1),
  storage_uri: z.string().nullable(),
  asset_type: z.string().optional(),
  status: RefStatusSchema,
});
export type FinalRef = z.infer<typeof FinalRefSchema>;
