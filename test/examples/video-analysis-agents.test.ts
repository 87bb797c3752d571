import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// The handlers import 'switchyard' (dist/, built by `npm run build`) and read SWITCHYARD_STORAGE when loaded.
const root = mkdtempSync(join(tmpdir(), 'switchyard-agents-'));
const storage = join(root, 'storage');
process.env.SWITCHYARD_STORAGE = storage;
const handlers = new URL('../../examples/video-analysis/agents.mjs', import.meta.url).href;
const agents = ((await import(handlers)) as { default: unknown }).default as Array<{
  handle(
    dispatch: unknown,
    ctx: unknown,
  ): Promise<{ output_refs_produced: Array<{ ref_id: string; storage_uri: string }> }>;
}>;

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every file under `dir`, as paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)));
}

const HOSTILE = [
  '..',
  '.',
  '',
  '../../escaped',
  '/etc/escaped',
  '..\\..\\escaped',
  'a/../../escaped',
  '%2e%2e',
  'nul\u0000',
  '__proto__',
  'x'.repeat(200),
];

describe('the example handlers write only inside their storage folder', () => {
  it.each(['..', '../..', '/tmp', '', 'run-1'])('whatever the run id (%j) and ref ids', async (workflowId) => {
    const dispatch = {
      task_id: 'task_2',
      action: 'Download',
      capability_ids: ['CAP-ACQ-002'],
      input_refs_resolved: [],
      output_refs_expected: HOSTILE,
      execution_group: 2,
      attempt: 1,
    };
    const ctx = {
      signal: new AbortController().signal,
      progress: () => undefined,
      logger: { debug: () => undefined },
      workflowId,
    };
    const result = await agents[0].handle(dispatch, ctx);
    expect(result.output_refs_produced.map((r) => r.ref_id)).toEqual(HOSTILE);
    for (const r of result.output_refs_produced)
      expect(fileURLToPath(r.storage_uri).startsWith(storage + sep)).toBe(true);
    expect(readdirSync(root)).toEqual(['storage']);
    expect(new Set(result.output_refs_produced.map((r) => r.storage_uri)).size).toBe(HOSTILE.length);
    for (const r of result.output_refs_produced)
      expect(filesUnder(storage)).toContain(relative(storage, fileURLToPath(r.storage_uri)));
  });
});
