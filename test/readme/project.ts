import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root (the worktree). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The real node_modules the package runs with. */
export const MODULES = realpathSync(join(ROOT, 'node_modules'));

/**
 * A fresh directory laid out as a newcomer's project beside the README: `switchyard` resolves
 * to this package (its built dist/), `npx switchyard` to its CLI, and the files the README's
 * examples read are there — plan.json and agents.mjs from examples/video-analysis, and
 * examples/ itself for the commands that name it.
 */
export function readmeProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-readme-'));
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  mkdirSync(join(dir, 'node_modules', '@types'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'switchyard'), 'dir');
  symlinkSync(join(MODULES, '@types', 'node'), join(dir, 'node_modules', '@types', 'node'), 'dir');
  // The MCP servers the README's MCP example runs, as if installed beside switchyard.
  symlinkSync(join(MODULES, '@modelcontextprotocol'), join(dir, 'node_modules', '@modelcontextprotocol'), 'dir');
  // What npm links as the package's bin (tsc does not make dist/cli/bin.js executable; npm does on install).
  writeFileSync(
    join(dir, 'node_modules', '.bin', 'switchyard'),
    `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'dist', 'cli', 'bin.js')}" "$@"\n`,
    { mode: 0o755 },
  );
  symlinkSync(join(ROOT, 'examples'), join(dir, 'examples'), 'dir');
  copyFileSync(join(ROOT, 'examples', 'video-analysis', 'plan.json'), join(dir, 'plan.json'));
  copyFileSync(join(ROOT, 'examples', 'video-analysis', 'agents.mjs'), join(dir, 'agents.mjs'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'readme-project', private: true, type: 'module' }));
  return dir;
}
