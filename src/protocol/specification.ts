import { z } from 'zod';
import { idProblem } from './ids.js';

/** How strongly a requirement binds: "must", "should" or "could" (may, nice to have). */
export const PRIORITIES = ['must', 'should', 'could'] as const;
export type Priority = (typeof PRIORITIES)[number];

const Id = z.string().superRefine((value, ctx) => {
  const problem = idProblem(value);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `not a usable id: ${problem}` });
});
const Text = z.string().trim().min(1, 'must not be empty').max(4000, 'is over 4000 characters: split it');
const Line = z.string().trim().min(1, 'must not be empty').max(2000, 'is over 2000 characters');

/** One requirement: what the result must (should, could) do. */
export const RequirementSchema = z.strictObject({
  /** Stable id, quoted by every task made from it (`R1`, `req_login`). */
  id: Id,
  text: Text,
  /** @default 'should' */
  priority: z.enum(PRIORITIES).default('should'),
  /** The component it belongs to; when absent, the component its text names, else every component. */
  component: Id.optional(),
});
export type Requirement = z.infer<typeof RequirementSchema>;

/** A part of the system to build, with its own code, tests and docs. */
export const ComponentSchema = z.strictObject({
  id: Id,
  name: Line.optional(),
  description: Text.optional(),
  /** The language its code is written in (`typescript`, `python`, …). */
  language: Line.optional(),
  /** Components whose code this one's code builds on (their interfaces come first). */
  depends_on: z.array(Id).max(100).default([]),
  /**
   * Resources only one task may hold at a time (`database`, `staging_server`): tasks of this
   * component that touch them are serialized by resource dependencies.
   */
  exclusive_resources: z.array(Id).max(20).default([]),
});
export type Component = z.infer<typeof ComponentSchema>;

/** Something the work starts from: a document, a data set, an API, by URI. */
export const SpecInputSchema = z.strictObject({
  id: Id,
  uri: z.url({ error: 'must be a URI such as https://…, file:///… or s3://…' }),
  description: Text.optional(),
  /** What it is (`dataset`, `document`, `api`); becomes the source ref's `asset_type`. @default 'document' */
  asset_type: Id.optional(),
});
export type SpecInput = z.infer<typeof SpecInputSchema>;

/**
 * A specification: what to build, read from JSON or Markdown, turned into a plan by
 * `decompose`. Only `title`, `goal` and one requirement are required.
 */
export const SpecificationSchema = z
  .strictObject({
    title: Line.max(200, 'is over 200 characters'),
    goal: Text,
    requirements: z
      .array(RequirementSchema)
      .min(1, 'needs at least one requirement: nothing to plan otherwise')
      .max(500, 'has over 500 requirements: split the specification'),
    constraints: z.array(Line).max(200).default([]),
    acceptance_criteria: z.array(Line).max(200).default([]),
    components: z.array(ComponentSchema).max(100).default([]),
    inputs: z.array(SpecInputSchema).max(200).default([]),
  })
  .superRefine((spec, ctx) => {
    unique(
      spec.requirements.map((r) => r.id),
      'requirements',
      ctx,
    );
    unique(
      spec.components.map((c) => c.id),
      'components',
      ctx,
    );
    unique(
      spec.inputs.map((i) => i.id),
      'inputs',
      ctx,
    );
    const components = new Set(spec.components.map((c) => c.id));
    spec.requirements.forEach((r, i) => {
      if (r.component !== undefined && !components.has(r.component)) {
        ctx.addIssue({
          code: 'custom',
          path: ['requirements', i, 'component'],
          message: `names component ${r.component}, which \`components\` does not list`,
        });
      }
    });
    spec.components.forEach((c, i) => {
      c.depends_on.forEach((d, j) => {
        if (!components.has(d))
          ctx.addIssue({
            code: 'custom',
            path: ['components', i, 'depends_on', j],
            message: `names component ${d}, which \`components\` does not list`,
          });
        else if (d === c.id)
          ctx.addIssue({
            code: 'custom',
            path: ['components', i, 'depends_on', j],
            message: 'a component cannot depend on itself',
          });
      });
    });
  });
export type Specification = z.infer<typeof SpecificationSchema>;
export type SpecificationInput = z.input<typeof SpecificationSchema>;

function unique(ids: readonly string[], field: string, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) ctx.addIssue({ code: 'custom', path: [field, i, 'id'], message: `repeats the id ${id}` });
    seen.add(id);
  });
}
