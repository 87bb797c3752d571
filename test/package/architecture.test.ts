import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../readme/project.js';

/** The house rules of docs/architecture.md, checked: lint refuses what breaks them, and src/ has no import cycle. */

async function lintAs(filePath: string, code: string): Promise<string[]> {
  // Type-aware rules need the file on disk; the house rules do not, so they are checked without them.
  const eslint = new ESLint({ cwd: ROOT, overrideConfig: [tseslint.configs.disableTypeChecked] });
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, filePath) });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('lint enforces the layer order', () => {
  it('refuses an import that climbs a layer, and accepts one that goes down', async () => {
    const up = await lintAs('src/actors/probe.ts', "export { createRuntime } from '../runtime/create-runtime.js';\n");
    expect(up).toHaveLength(1);
    expect(up[0]).toMatch(/^no-restricted-imports: .*src\/actors\/ may not import src\/runtime\//);
    const down = await lintAs('src/runtime/probe.ts', "export { Dispatcher } from '../actors/dispatcher.js';\n");
    expect(down).toEqual([]);
  });

  it('puts storage/ after store/ and before bus/: it may import the store, not the bus or the pool, and the pool may import it', async () => {
    const climbs = await lintAs('src/storage/probe.ts', "export { AgentError } from '../pool/agent.js';\n");
    expect(climbs.join('\n')).toMatch(/src\/storage\/ may not import src\/pool\//);
    expect(
      (await lintAs('src/storage/probe.ts', "export { InProcessBus } from '../bus/in-process-bus.js';\n")).join('\n'),
    ).toMatch(/src\/storage\/ may not import src\/bus\//);
    expect(await lintAs('src/storage/probe.ts', "export { MemoryStore } from '../store/memory-store.js';\n")).toEqual(
      [],
    );
    expect(await lintAs('src/pool/probe.ts', "export { fileStorage } from '../storage/file-storage.js';\n")).toEqual(
      [],
    );
  });

  it('keeps graphInternals to graph/ and core/', async () => {
    const code = "export { graphInternals } from '../graph/execution-graph.js';\n";
    expect((await lintAs('src/actors/probe.ts', code)).join('\n')).toMatch(
      /graphInternals is the graph's private layout/,
    );
    expect(await lintAs('src/core/probe.ts', code)).toEqual([]);
  });

  it('refuses global timers and Date.now outside the scheduler, worker threads and the CLI', async () => {
    const code = 'export const later = () => setTimeout(() => Date.now(), 1);\n';
    const rules = (await lintAs('src/pool/probe.ts', code)).map((m) => m.split(':')[0]);
    expect(rules.sort()).toEqual(['no-restricted-globals', 'no-restricted-properties']);
    expect(await lintAs('src/cli/probe.ts', code)).toEqual([]);
    expect(await lintAs('src/pool/worker-runtime.ts', code)).toEqual([]);
  });

  it('refuses a function over 80 lines of code and a file over 400, comments and blank lines not counted', async () => {
    const sizes = async (code: string) =>
      (await lintAs('src/pool/probe.ts', code)).map((m) => m.split(':')[0]).filter((rule) => rule.startsWith('max-'));
    const body = (lines: number) => Array.from({ length: lines }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const fn = (lines: number) => `export function f() {\n${body(lines)}\n  return 0;\n}\n`;
    // The function's own two lines, the return and the body: 80 in all passes, 81 does not.
    expect(await sizes(fn(77))).toEqual([]);
    expect(await sizes(fn(78))).toEqual(['max-lines-per-function']);
    const commented = `export function f() {\n${'  // why\n\n'.repeat(200)}${body(77)}\n  return 0;\n}\n`;
    expect(await sizes(commented)).toEqual([]);
    const file = Array.from({ length: 401 }, (_, i) => `export const c${i} = ${i};`).join('\n');
    expect(await sizes(file)).toEqual(['max-lines']);
    expect(await sizes(file.split('\n').slice(0, 400).join('\n'))).toEqual([]);
  });
});

describe('src/ imports', () => {
  it('form no cycle (type-only imports aside)', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (path.endsWith('.ts')) files.push(path);
      }
    };
    walk(join(ROOT, 'src'));
    const graph = new Map<string, string[]>();
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      const targets: string[] = [];
      for (const m of source.matchAll(/^(import|export)(?! type)[^;]*?from\s+'(\.[^']+)'/gms)) {
        targets.push(normalize(join(dirname(file), m[2].replace(/\.js$/, '.ts'))));
      }
      graph.set(file, targets);
    }
    // Depth-first search for a back edge; report the first cycle found as a path.
    const state = new Map<string, 'open' | 'done'>();
    const stack: string[] = [];
    let cycle: string[] | undefined;
    const visit = (file: string): void => {
      state.set(file, 'open');
      stack.push(file);
      for (const next of graph.get(file) ?? []) {
        if (cycle || !graph.has(next)) continue;
        if (state.get(next) === 'open') cycle = [...stack.slice(stack.indexOf(next)), next];
        else if (!state.has(next)) visit(next);
      }
      stack.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) if (!state.has(file) && !cycle) visit(file);
    expect(cycle?.map((f) => relative(ROOT, f))).toBeUndefined();
  });
});
