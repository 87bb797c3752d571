import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { killChildren, liveChildren, spawnChild } from './children.js';

const orphans: number[] = [];
afterEach(async () => {
  await killChildren();
  for (const pid of orphans.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone: as it should be.
    }
  }
});
/** Whether process `pid` exists (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
const idle = ['-e', 'setInterval(() => undefined, 1000)'];
const exited = (child: ReturnType<typeof spawnChild>) =>
  new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));

describe('children a test starts', () => {
  it('kills those of a test when killChildren runs, and leaves those of the file', async () => {
    const test = spawnChild(process.execPath, idle, { stdio: 'ignore' });
    const file = spawnChild(process.execPath, idle, { stdio: 'ignore' }, 'file');
    const testExit = exited(test);
    await killChildren();
    expect(await testExit).toBe('SIGKILL');
    expect(file.exitCode === null && file.signalCode === null).toBe(true);
    expect(liveChildren()).toBe(1);
    const fileExit = exited(file);
    file.kill('SIGKILL');
    await fileExit;
    expect(liveChildren()).toBe(0);
  });

  it('kills every child when the test process exits, even one never killed by a hook', async () => {
    // A process that starts an idle child sharing its stdout, then exits without cleaning up:
    // its stdout closes only once the child is gone too.
    const helper = fileURLToPath(new URL('./children.ts', import.meta.url));
    const grandchild = ['-e', 'process.stdout.write(`pid ${process.pid}\\n`); setInterval(() => undefined, 1000)'];
    const script = `const { spawnChild } = await import(${JSON.stringify(helper)}); const c = spawnChild(process.execPath, ${JSON.stringify(grandchild)}, { stdio: ['ignore', 'inherit', 'ignore'] }, 'file'); c.once('spawn', () => process.exit(0));`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    parent.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // Should it outlive its parent (the defect under test), the test still kills it.
      const pid = /pid (\d+)/u.exec(out);
      if (pid) orphans.push(Number(pid[1]));
    });
    const code = new Promise<number | null>((resolve) => parent.once('exit', (c) => resolve(c)));
    // The pipe closes once every process holding it is gone: the parent, and the child it left.
    await new Promise<void>((resolve) => parent.stdout.once('close', () => resolve()));
    expect(await code).toBe(0);
    expect(orphans.filter(alive)).toEqual([]);
  });
});
