import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(new URL('package-lock.json', ROOT), 'utf8')) as {
  packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } | string[] }>;
};
const readme = readFileSync(new URL('README.md', ROOT), 'utf8');
// npm's own range semantics (semver ships with npm and is in the tree; it has no @types here).
const semver = createRequire(import.meta.url)('semver') as {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string, range: string): boolean;
};

/** The runtime (non-dev) packages of the lock file whose engines.node excludes `version`. */
function excluding(version: string): string[] {
  const out: string[] = [];
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '' || entry.dev || !entry.engines || Array.isArray(entry.engines) || !entry.engines.node) continue;
    if (!semver.satisfies(version, entry.engines.node))
      out.push(path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  }
  return [...new Set(out)].sort();
}

describe('package.json engines', () => {
  const floor = semver.minVersion(manifest.engines.node)?.version ?? '';

  it('admits the Node version that runs the tests and CI', () => {
    expect(semver.satisfies(process.version, manifest.engines.node)).toBe(true);
  });

  it('agrees with every runtime dependency: none declares a Node floor above ours', () => {
    expect(floor).not.toBe('');
    expect(excluding(floor)).toEqual([]);
  });

  it('is the floor the README states', () => {
    expect(readme).toContain(`Node ${floor.replace(/\.0$/, '')} or later`);
  });
});
