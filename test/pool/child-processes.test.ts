import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Dispatch } from '../../src/index.js';
import { AgentPool } from '../../src/pool/agent-pool.js';
import { portChildProcesses } from '../../src/pool/child-processes.js';
import { ThreadChildren } from '../../src/pool/thread-children.js';
import type { ExecuteResult, WorkerToHost } from '../../src/pool/worker-protocol.js';
import { killQuietly, running } from '../helpers/process-state.js';

const AGENTS = new URL('../fixtures/agents/child-agents.ts', import.meta.url);

let pool: AgentPool | undefined;
/** Every process a test's agents started (pid, and whether it leads a group): killed after each test. */
const started: Array<{ pid: number; group: boolean }> = [];
afterEach(async () => {
  await pool?.close();
  pool = undefined;
  for (const { pid, group } of started.splice(0)) killQuietly(pid, group);
});

/** A pool of one worker hosting the fixture, and the host's log lines. */
async function startPool(): Promise<{ pool: AgentPool; log: Array<Record<string, unknown>> }> {
  const log: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => log.push(JSON.parse(line)) });
  pool = await AgentPool.start({ modules: [AGENTS], maxThreads: 1, logger });
  return { pool, log };
}

let seq = 0;
async function run(p: AgentPool, action: string): Promise<ExecuteResult> {
  const [rt] = p.runtimes();
  const dispatch: Dispatch = {
    task_id: `task_${++seq}`,
    action,
    capability_ids: ['CAP-ACQ-001'],
    input_refs_resolved: [],
    output_refs_expected: [],
    execution_group: 1,
    attempt: 1,
    workflow_progress: { total_tasks: 1, completed: 0, in_progress: 1, pending: 0, failed: 0 },
  };
  return rt.execute({ request_id: `r${seq}`, workflow_id: 'w', agent_id: 'execution_agent', dispatch });
}

/** Runs an action that starts processes and returns their pids (remembered for cleanup). */
async function spawnIn(p: AgentPool, action: string, group = false): Promise<number[]> {
  const result = await run(p, action);
  if (result.type !== 'succeeded') throw new Error(`${action} failed: ${result.error.message}`);
  const pids = (result.output.summary ?? '').split(' ').map(Number);
  pids.forEach((pid, i) => started.push({ pid, group: group && i === 0 }));
  return pids;
}

/** Resolves when the pool's worker thread has exited (and the host has dealt with its children). */
function exited(p: AgentPool): Promise<void> {
  return new Promise((resolve) => p.once('runtimeExit', () => resolve()));
}

describe('child processes of agents in a worker thread that dies', () => {
  it('are killed by the host when the worker exits: a registered child, and the whole group of a leader; the host logs it', async () => {
    const { pool: p, log } = await startPool();
    const [child] = await spawnIn(p, '[spawn]');
    const [leader, grandchild] = await spawnIn(p, '[spawn-group]', true);
    expect([child, leader, grandchild].map(running)).toEqual([true, true, true]);
    const gone = exited(p);
    const result = await run(p, '[exit]');
    expect(result.type === 'failed' && result.error.code).toBe('WORKER_EXITED');
    await gone;
    await vi.waitFor(() => expect([child, leader, grandchild].map(running)).toEqual([false, false, false]));
    const line = log.find((l) => Array.isArray(l.children));
    expect(line).toMatchObject({ level: 40, exit_code: 3 });
    expect(line?.children).toEqual(
      expect.arrayContaining([
        { pid: child, group: false, label: 'sleeper task_1' },
        { pid: leader, group: true, label: 'sleeping group' },
      ]),
    );
  });

  it('are killed when the pool terminates the worker (a hung handler), which no exit handler in the worker sees', async () => {
    const { pool: p } = await startPool();
    const [child] = await spawnIn(p, '[spawn]');
    const [rt] = p.runtimes();
    await p.terminate(rt.runtimeId);
    await vi.waitFor(() => expect(running(child)).toBe(false));
  });

  it('leaves alone a child that ended and was unregistered, and one unregistered while it still runs', async () => {
    const { pool: p, log } = await startPool();
    const [ended] = await spawnIn(p, '[spawn-ended]');
    const [disowned] = await spawnIn(p, '[disown]');
    const [child] = await spawnIn(p, '[spawn]');
    const gone = exited(p);
    await p.terminate(p.runtimes()[0].runtimeId);
    await gone;
    // The host killed, synchronously before 'runtimeExit', only what was still registered.
    const killed = log.flatMap((l) => (Array.isArray(l.children) ? (l.children as Array<{ pid: number }>) : []));
    expect(killed.map((c) => c.pid)).toEqual([child]);
    expect(killed.map((c) => c.pid)).not.toContain(ended);
    expect(running(disowned)).toBe(true);
  });

  it('costs nothing for a worker whose agents start no process: no message, no kill, no log', async () => {
    const { pool: p, log } = await startPool();
    expect((await run(p, 'plain')).type).toBe('succeeded');
    const gone = exited(p);
    await p.terminate(p.runtimes()[0].runtimeId);
    await gone;
    expect(log).toEqual([]);
  });
});

describe('the messages about child processes', () => {
  it('are one per registration and one per unregistration of a registered pid, read by the host through their schema', () => {
    const { port1, port2 } = new MessageChannel();
    const children = portChildProcesses(port1);
    children.unregister(41); // never registered: nothing sent
    children.register(42, { group: true, label: 'x'.repeat(300) });
    children.register(43);
    children.unregister(43);
    children.unregister(43); // once only
    const sent: WorkerToHost[] = [];
    for (let m = receiveMessageOnPort(port2); m; m = receiveMessageOnPort(port2)) sent.push(m.message as WorkerToHost);
    port1.close();
    expect(sent).toEqual([
      { type: 'child', pid: 42, group: true, label: 'x'.repeat(200) },
      { type: 'child', pid: 43, group: false },
      { type: 'child-ended', pid: 43 },
    ]);
    const kills: Array<[number, string]> = [];
    const host = new ThreadChildren((pid, signal) => kills.push([pid, signal]));
    for (const message of sent) expect(host.note(message)).toBe(true);
    expect(host.note({ type: 'child', pid: -1, group: false })).toBe(false);
    expect(host.note({ type: 'child', pid: '44' })).toBe(false);
    expect(host.size).toBe(1);
    expect(host.killAll()).toEqual([{ pid: 42, group: true, label: 'x'.repeat(200) }]);
    expect(kills).toEqual([[-42, 'SIGKILL']]);
    expect(host.size).toBe(0);
  });

  it('leaves out of the kill list a child already gone', () => {
    const host = new ThreadChildren(() => {
      throw Object.assign(new Error('kill ESRCH'), { code: 'ESRCH' });
    });
    host.note({ type: 'child', pid: 7, group: false });
    expect(host.killAll()).toEqual([]);
    expect(host.size).toBe(0);
  });
});
