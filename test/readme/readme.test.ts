import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startNatsServer, type TestNatsServer } from '../helpers/nats-server.js';
import { type CodeBlock, codeBlocks } from './markdown.js';
import { type Finished, Processes, type Started } from './processes.js';
import { MODULES, readmeProject, ROOT } from './project.js';
import { INTERRUPTED_RUN, RUN_HANDLER } from './scripts.js';

/*
 * Every fenced block of README.md runs here, picked up by its language, so an example cannot
 * rot: `ts` blocks run with tsx (and type-check together) in a project where `switchyard` is
 * this package's dist/; `js` blocks are handler modules loaded in a real run; `sh` blocks run
 * line by line; a bare block is the CLI usage (checked against `switchyard --help`) or a
 * layout of paths (checked to exist). A comment on the line before a block tells what it
 * needs: `<!-- readme-test: nats; background: <command>; interrupted-run <id> -->`, or
 * `not-run: <why>` for a block that cannot run here. Any other block fails: give it a runner
 * or a marker.
 */

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const BLOCKS = codeBlocks(README);
const TSX = pathToFileURL(join(MODULES, 'tsx', 'dist', 'esm', 'index.mjs')).href;
const BLOCK_TIMEOUT_MS = 90_000;
const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

/** What the marker comment before a block asks for. */
interface Directives {
  readonly nats: boolean;
  readonly background: string[];
  readonly interruptedRun?: string;
  readonly notRun?: string;
}

function directives(block: CodeBlock): Directives {
  const lines = README.split('\n');
  let i = block.line - 2;
  while (i >= 0 && lines[i].trim() === '') i--;
  const marker = /^<!--\s*readme-test:(.*)-->\s*$/u.exec(lines[i] ?? '');
  const parts = (marker?.[1] ?? '')
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean);
  const value = (key: string) =>
    parts
      .find((p) => p.startsWith(key))
      ?.slice(key.length)
      .replace(/^:/u, '')
      .trim();
  return {
    nats: parts.includes('nats') || /^\s*nats-server\b/mu.test(block.code),
    background: parts.filter((p) => p.startsWith('background:')).map((p) => p.slice('background:'.length).trim()),
    interruptedRun: value('interrupted-run'),
    notRun: value('not-run'),
  };
}

const name = (b: CodeBlock) => `README.md:${b.line} (${b.lang || 'bare'})`;
const report = (f: Finished & { timedOut: boolean }) =>
  `${f.timedOut ? `did not exit within ${BLOCK_TIMEOUT_MS} ms (an example must close what it opens)` : `exited ${f.code ?? f.signal}`}\nstdout:\n${f.out}\nstderr:\n${f.err}`;

const processes = new Processes();
let nats: TestNatsServer | undefined;
let dir: string | undefined;
afterEach(async () => {
  processes.killAll();
  await nats?.stop();
  nats = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** A project for `block`, with what its directives ask for running; the environment to run it in. */
async function prepare(block: CodeBlock, d: Directives): Promise<{ cwd: string; env: Record<string, string> }> {
  dir = readmeProject();
  const env: Record<string, string> = { SWITCHYARD_STORAGE: join(dir, '.switchyard-storage') };
  if (d.nats) {
    nats = await startNatsServer();
    env.NATS_URL = nats.url;
  }
  if (d.interruptedRun !== undefined) {
    writeFileSync(join(dir, 'interrupted-run.mjs'), INTERRUPTED_RUN);
    const setup = await processes.within(
      processes.start(process.execPath, ['interrupted-run.mjs', d.interruptedRun], dir, env),
      BLOCK_TIMEOUT_MS,
    );
    if (setup.code !== 0) throw new Error(`setting up an interrupted run for ${name(block)} failed: ${report(setup)}`);
  }
  for (const command of d.background) processes.start('sh', ['-c', command], dir, env);
  return { cwd: dir, env };
}

/** Runs `command` in a shell to its end; a non-zero exit or a timeout fails the test. */
async function runToEnd(started: Started): Promise<void> {
  const finished = await processes.within(started, BLOCK_TIMEOUT_MS);
  expect(finished.code, report(finished)).toBe(0);
}

/** The commands of an `sh` block, each with whether it runs in the background (`&`, or a terminal other than the last). */
function shellCommands(code: string): { command: string; background: boolean }[] {
  const terminals = code.split(/^#\s*terminal\b.*$/imu);
  return terminals.flatMap((section, t) =>
    section
      .split('\n')
      .map((line) => line.replace(/(^|\s)#.*$/u, '').trim())
      .filter(Boolean)
      .map((line) => ({
        command: line.replace(/&$/u, '').trim(),
        background: line.endsWith('&') || t < terminals.length - 1,
      })),
  );
}

const runners: Record<string, (block: CodeBlock, d: Directives) => Promise<void>> = {
  async ts(block, d) {
    const { cwd, env } = await prepare(block, d);
    writeFileSync(join(cwd, 'block.ts'), block.code);
    await runToEnd(processes.start(process.execPath, ['--import', TSX, 'block.ts'], cwd, env));
  },
  async js(block, d) {
    const { cwd, env } = await prepare(block, d);
    writeFileSync(join(cwd, 'handler.mjs'), block.code);
    writeFileSync(join(cwd, 'run-handler.mjs'), RUN_HANDLER);
    const finished = await processes.within(
      processes.start(process.execPath, ['run-handler.mjs'], cwd, env),
      BLOCK_TIMEOUT_MS,
    );
    expect(finished.code, report(finished)).toBe(0);
    const summary = JSON.parse(finished.out.trim().split('\n').at(-1) ?? '{}') as { status?: string; tasks?: number };
    expect(summary.tasks, report(finished)).toBeGreaterThan(0);
    expect(summary.status, report(finished)).toBe('complete');
  },
  async sh(block, d) {
    const { cwd, env } = await prepare(block, d);
    for (const { command, background } of shellCommands(block.code)) {
      for (const part of command.split('&&').map((p) => p.trim())) {
        const npm = /^npm (?:run )?([\w:-]+)/u.exec(part);
        if (npm) {
          // npm install and npm test cannot run inside a test; the script must exist.
          if (npm[1] !== 'install') expect(Object.keys(scripts.scripts), `${name(block)}: ${part}`).toContain(npm[1]);
          continue;
        }
        if (/^nats-server\b/u.test(part)) continue; // a server of the test's own runs instead (NATS_URL)
        const line = part.replaceAll('nats://127.0.0.1:4222', env.NATS_URL ?? 'nats://127.0.0.1:4222');
        const started = processes.start('sh', ['-c', line], cwd, env);
        if (!background) await runToEnd(started);
      }
    }
  },
  async ''(block) {
    if (/^switchyard /u.test(block.code)) return checkUsage(block.code);
    const paths = block.code
      .split('\n')
      .map((l) => /^(\S+\/)\s/u.exec(l)?.[1])
      .filter((p): p is string => p !== undefined);
    expect(
      paths.length,
      `${name(block)}: a bare block is the CLI usage or a layout of paths; mark any other`,
    ).toBeGreaterThan(0);
    for (const p of paths)
      expect(existsSync(join(ROOT, p)) && statSync(join(ROOT, p)).isDirectory(), `${name(block)}: ${p}`).toBe(true);
  },
};

/** The usage block and `switchyard --help` list the same commands, and each flag the block gives a command is in its `--help`. */
function checkUsage(code: string): void {
  const bin = join(ROOT, 'dist', 'cli', 'bin.js');
  const help = execFileSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
  const listed = [...help.matchAll(/^ {2}([\w-]+) {2,}/gmu)].map((m) => m[1]).sort();
  const usage = new Map<string, Set<string>>();
  let current = '';
  for (const line of code.split('\n')) {
    const command = /^switchyard ([\w-]+)/u.exec(line)?.[1];
    if (command) current = command;
    if (!usage.has(current)) usage.set(current, new Set());
    for (const m of line.matchAll(/(?<![\w-])(--[a-z][\w-]*)/gu)) usage.get(current)?.add(m[1]);
  }
  expect([...usage.keys()].sort()).toEqual(listed);
  for (const [command, flags] of usage) {
    const own = execFileSync(process.execPath, [bin, command, '--help'], { encoding: 'utf8' });
    for (const flag of flags) expect(own, `switchyard ${command} --help lacks ${flag}`).toContain(flag);
  }
}

describe('README.md code blocks', () => {
  it('has blocks to run', () => {
    expect(BLOCKS.length).toBeGreaterThan(0);
  });

  it.each(BLOCKS.map((b) => [name(b), b] as const))(
    '%s runs as written',
    async (_, block) => {
      const d = directives(block);
      if (d.notRun !== undefined) {
        expect(d.notRun, `${name(block)}: say why it cannot run`).not.toBe('');
        return;
      }
      const runner = runners[block.lang];
      if (!runner)
        throw new Error(
          `${name(block)}: no runner for \`${block.lang}\` blocks; add one to this test or mark the block <!-- readme-test: not-run: why -->`,
        );
      await runner(block, d);
    },
    BLOCK_TIMEOUT_MS * 2,
  );

  it('type-checks every ts block, strict, against the package', () => {
    const project = readmeProject();
    try {
      const ts = BLOCKS.filter((b) => b.lang === 'ts');
      ts.forEach((b) => writeFileSync(join(project, `block-${b.line}.ts`), b.code));
      writeFileSync(
        join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            skipLibCheck: true,
            noEmit: true,
            types: ['node'],
          },
          include: ts.map((b) => `block-${b.line}.ts`),
        }),
      );
      let out = '';
      try {
        execFileSync(process.execPath, [join(MODULES, 'typescript', 'bin', 'tsc'), '-p', project], {
          encoding: 'utf8',
        });
      } catch (error) {
        out = String((error as { stdout?: string }).stdout ?? error);
      }
      expect(out).toBe('');
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  }, 180_000);
});
