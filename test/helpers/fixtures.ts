import { readFileSync } from 'node:fs';

/** Reads a JSON fixture under `test/fixtures/`. */
export function fixture(path: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));
}

/** The example plan of `examples/video-analysis/`. */
export function examplePlan(): Record<string, unknown> {
  return JSON.parse(
    readFileSync(new URL('../../examples/video-analysis/plan.json', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
}

/** The test handler module (see its markers: `[throw]`, `[hang]`, `[crash-once]`, …). */
export const TEST_AGENTS = new URL('../fixtures/agents/test-agents.ts', import.meta.url);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture JSON is edited freely
type FixtureJson = Record<string, any>;

/** The example plan with markers appended to some tasks' actions (see test-agents.ts). */
export function planWith(markers: Record<string, string>): FixtureJson {
  const plan = examplePlan() as FixtureJson;
  for (const [task, marker] of Object.entries(markers)) plan.output.content.workflow.tasks[task].action += ` ${marker}`;
  return plan;
}
