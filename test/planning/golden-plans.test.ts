import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExecutionGraph } from '../../src/graph/execution-graph.js';
import { decompose } from '../../src/planning/decompose.js';
import { readSpecification } from '../../src/planning/read-spec.js';

const SPECS = ['todo-cli.md', 'bookmarks-api.md', 'weather-pipeline.json'].map(
  (name) => new URL(`../../examples/specs/${name}`, import.meta.url),
);
const golden = (spec: URL) =>
  new URL(`../fixtures/plans/${basename(spec.pathname).replace(/\.(md|json)$/u, '')}.plan.json`, import.meta.url);

/** The plan of an example specification, as the text `switchyard plan -o` writes. */
async function planText(spec: URL): Promise<string> {
  const read = readSpecification(readFileSync(spec, 'utf8'));
  if (!read.ok) throw read.error;
  const done = await decompose(read.value);
  if (!done.ok) throw done.error;
  return `${JSON.stringify(done.value.plan, null, 2)}\n`;
}

describe('the pattern decomposer on the example specifications', () => {
  it.each(SPECS.map((s) => [basename(s.pathname), s] as const))(
    'plans %s exactly as the golden file says, every time',
    async (_name, spec) => {
      const text = await planText(spec);
      // UPDATE_GOLDEN=1 rewrites the files after a deliberate change to the rules; review the diff.
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(golden(spec), text);
      expect(text).toBe(readFileSync(golden(spec), 'utf8'));
      expect(await planText(spec)).toBe(text);
    },
  );

  it.each(SPECS.map((s) => [basename(s.pathname), s] as const))(
    'makes of %s a valid plan of 8 to 40 tasks that reads every input and serves every requirement',
    async (_name, spec) => {
      const plan = JSON.parse(await planText(spec)) as {
        output: {
          content: {
            workflow: {
              tasks: Record<string, { spec_context: { requirements: Array<{ id: string }> }; input_refs: string[] }>;
            };
          };
        };
        resources: { source_refs: Array<{ ref_id: string }> };
      };
      const graph = ExecutionGraph.tryFromPlan(plan);
      expect(graph.ok).toBe(true);
      const tasks = Object.values(plan.output.content.workflow.tasks);
      expect(tasks.length).toBeGreaterThanOrEqual(8);
      expect(tasks.length).toBeLessThanOrEqual(40);
      const read = readSpecification(readFileSync(spec, 'utf8'));
      if (!read.ok) throw read.error;
      // Every requirement is served by a task other than the final report, which quotes them all.
      const working = tasks.slice(0, -1).flatMap((t) => t.spec_context.requirements.map((r) => r.id));
      for (const r of read.value.requirements) expect(working, r.id).toContain(r.id);
      for (const src of plan.resources.source_refs)
        expect(tasks.some((t) => t.input_refs.includes(src.ref_id))).toBe(true);
    },
  );
});
