import { readFileSync } from 'node:fs';

/** Reads a JSON fixture under `test/fixtures/`. */
export function fixture(path: string): unknown {
  return JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8'));
}

/** The example plan of `examples/video-analysis/`. */
export function examplePlan(): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL('../../examples/video-analysis/plan.json', import.meta.url), 'utf8')) as Record<string, unknown>;
}
