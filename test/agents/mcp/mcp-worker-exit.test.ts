import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mcpAgent } from '../../../src/agents.js';
import type { Dispatch } from '../../../src/index.js';
import { AgentPool } from '../../../src/pool/agent-pool.js';
import { killQuietly, running } from '../../helpers/process-state.js';

/** An MCP server that outlives its stdin: closing the pipe, as a dying worker does, does not end it. */
const LINGERING = fileURLToPath(new URL('../../fixtures/mcp/lingering-server.mjs', import.meta.url));

/** Children of this process running the lingering server (worker threads share this process's pid). */
function serverPids(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(LINGERING))
    .map((line) => Number.parseInt(line.trim(), 10));
}

let pool: AgentPool | undefined;
const dirs: string[] = [];
const pids: number[] = [];
afterEach(async () => {
  await pool?.close();
  pool = undefined;
  for (const pid of [...pids.splice(0), ...serverPids()]) killQuietly(pid);
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const dispatch: Dispatch = {
  task_id: 'task_1',
  action: 'list the notes',
  capability_ids: ['CAP-DAT-001'],
  input_refs_resolved: [],
  output_refs_expected: [],
  execution_group: 1,
  attempt: 1,
  workflow_progress: { total_tasks: 1, completed: 0, in_progress: 1, pending: 0, failed: 0 },
};

describe('the MCP agent in a worker thread that dies', () => {
  it('has its stdio server killed by the host, also one that outlives its stdin', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'mcp-exit-')));
    dirs.push(dir);
    writeFileSync(join(dir, 'todo.txt'), 'ship it\n');
    const config = {
      servers: { fs: { command: process.execPath, args: [LINGERING, dir] } },
      capabilities: { 'CAP-DAT-*': { server: 'fs', tool: 'list_directory', arguments: { path: dir } } },
    };
    const lines: string[] = [];
    pool = await AgentPool.start({
      modules: [{ module: mcpAgent, options: { config } }],
      maxThreads: 1,
      logger: pino({ level: 'warn' }, { write: (line: string) => lines.push(line) }),
    });
    const [rt] = pool.runtimes();
    const result = await rt.execute({ request_id: 'r1', workflow_id: 'w', agent_id: 'execution_agent', dispatch });
    expect(result.type === 'succeeded' && result.output.summary).toContain('todo.txt');
    const [server] = serverPids();
    pids.push(server);
    expect(running(server)).toBe(true);
    await pool.terminate(rt.runtimeId);
    await vi.waitFor(() => expect(running(server)).toBe(false));
    expect(lines.join('')).toContain(`"pid":${server}`);
  });
});
