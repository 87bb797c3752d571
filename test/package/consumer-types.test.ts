import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MODULES = realpathSync(join(ROOT, 'node_modules'));
const TSC = join(MODULES, 'typescript', 'bin', 'tsc');

/** What a consumer writes: one import from each entry point, used in type positions and values. */
const CONSUMER_SOURCE = `
import { createRuntime, defineAgent, step, type WorkflowResult } from 'switchyard';
import { SqliteStore, type SqliteStoreOptions } from 'switchyard/sqlite';
import { natsBus } from 'switchyard/nats';
import { createService, type Service } from 'switchyard/server';
import { builtInAgents } from 'switchyard/agents';

export async function serve(): Promise<Service> {
  const rt = await createRuntime({ ...builtInAgents(), store: SqliteStore.open(':memory:') });
  return createService({ runtime: rt });
}

const options: SqliteStoreOptions = { synchronous: 'full' };
export async function main(): Promise<WorkflowResult> {
  const store = SqliteStore.open(':memory:', options);
  const bus = await natsBus({ servers: ['nats://127.0.0.1:4222'] });
  const rt = await createRuntime({ agents: [], store, bus });
  void step;
  void defineAgent;
  return rt.submit({ tasks: [] }).result;
}
`;

let dir = '';

/**
 * Packs the package as \`npm publish\` would (\`npm pack\`: only the files it ships), unpacks it
 * into a consumer project's node_modules, and gives that project exactly the package's runtime
 * dependencies (linked from the shared node_modules, no network) and @types/node — not its
 * dev dependencies, which a consumer does not get.
 */
function consumerProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'switchyard-consumer-'));
  const pack = JSON.parse(
    execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], {
      cwd: ROOT,
      encoding: 'utf8',
    }),
  ) as { filename: string }[];
  const target = join(root, 'node_modules', 'switchyard');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', join(root, pack[0].filename), '-C', target, '--strip-components=1']);
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  for (const dep of [...Object.keys(manifest.dependencies), '@types/node']) {
    const link = join(root, 'node_modules', dep);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(MODULES, dep), link, 'dir');
  }
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(
    join(root, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        skipLibCheck: false,
        noEmit: true,
      },
      include: ['index.ts'],
    }),
  );
  writeFileSync(join(root, 'index.ts'), CONSUMER_SOURCE);
  return root;
}

describe('the packed package, in a consumer project', () => {
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'index.d.ts')))
      throw new Error('dist/ is missing: run npm run build (npm test builds first).');
    dir = consumerProject();
  }, 60_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the LICENSE and the README', () => {
    const shipped = join(dir, 'node_modules', 'switchyard');
    expect(existsSync(join(shipped, 'LICENSE'))).toBe(true);
    expect(existsSync(join(shipped, 'README.md'))).toBe(true);
  });

  it('type-checks imports of every entry point (switchyard, /sqlite, /nats, /server, /agents) with skipLibCheck off and strict on', () => {
    const tsc = spawnSync(process.execPath, [TSC, '-p', dir], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  }, 120_000);
});
