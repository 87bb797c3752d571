import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { cli } from '../helpers/cli.js';

const VIDEO = 'examples/video-analysis/plan.json';
const BOOKMARKS = 'test/fixtures/plans/bookmarks-api.plan.json';

/** The shape `graph --json` promises for each edge: nothing more, nothing less. */
const EdgeSchema = z.strictObject({
  task_id: z.string(),
  depends_on: z.string(),
  type: z.enum(['data', 'logical', 'resource']),
  origin: z.enum(['declared', 'inferred', 'model']),
  reason: z.string(),
  ref_id: z.string().optional(),
  resource: z.string().optional(),
});
const GraphJsonSchema = z.looseObject({
  dependencies: z.number(),
  dependencies_by_type: z.strictObject({ data: z.number(), logical: z.number(), resource: z.number() }),
  edges: z.array(EdgeSchema),
});

function graphJson(path: string): z.infer<typeof GraphJsonSchema> {
  const { code, out } = cli('graph', path, '--json');
  expect(code).toBe(0);
  return GraphJsonSchema.parse(JSON.parse(out));
}

describe('switchyard graph --json edges', () => {
  it('lists the typed edges of a planned plan, resource and logical ones with their reasons', () => {
    const json = graphJson(BOOKMARKS);
    expect(json.edges).toHaveLength(json.dependencies);
    expect(json.dependencies_by_type).toEqual({ data: json.dependencies - 9, logical: 5, resource: 4 });
    expect(json.edges).toContainEqual({
      task_id: 'task_8',
      depends_on: 'task_5',
      type: 'resource',
      origin: 'inferred',
      reason: 'takes its turn on the exclusive resource database',
      resource: 'database',
    });
    expect(json.edges).toContainEqual({
      task_id: 'task_12',
      depends_on: 'task_9',
      type: 'logical',
      origin: 'declared',
      reason: 'integration after its parts are tested (tests_storage)',
    });
    for (const e of json.edges.filter((x) => x.type === 'data')) expect(e.ref_id).toMatch(/^(src|store|derived)_\d+$/u);
  });

  it('reads a plan without dependencies entries: ref reads are data, every other declared edge logical', () => {
    const json = graphJson(VIDEO);
    expect(json.dependencies_by_type).toEqual({ data: 16, logical: 3, resource: 0 });
    expect(
      json.edges.filter((e) => e.type === 'logical').map((e) => `${e.depends_on}→${e.task_id} ${e.origin}`),
    ).toEqual(['task_1→task_2 declared', 'task_3→task_5 declared', 'task_3→task_6 declared']);
    // Declared and read, or read only (task_12 reads derived_3 without declaring task_7): data, inferred from the ref.
    expect(json.edges).toContainEqual({
      task_id: 'task_7',
      depends_on: 'task_5',
      type: 'data',
      origin: 'inferred',
      reason: 'reads derived_1, which task_5 produces',
      ref_id: 'derived_1',
    });
    expect(json.edges).toContainEqual(
      expect.objectContaining({ task_id: 'task_12', depends_on: 'task_7', type: 'data', ref_id: 'derived_3' }),
    );
  });

  it('shows the counts by type in one line of validate', () => {
    const { code, out } = cli('validate', BOOKMARKS);
    expect(code).toBe(0);
    expect(out.split('\n').filter((l) => /^ {2}by type: data \d+ · logical 5 · resource 4$/u.test(l))).toHaveLength(1);
  });
});
