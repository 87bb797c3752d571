import { execFileSync } from 'node:child_process';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { mcpAgent } from '../../../src/agents.js';
import { createRuntime, type Runtime } from '../../../src/index.js';
import { EVERYTHING, killAll } from '../../helpers/mcp-servers.js';

/** Children of this process running server-everything: the MCP agent's workers spawn them (threads share the pid). */
function everythingChildren(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(EVERYTHING))
    .map((line) => Number.parseInt(line.trim(), 10));
}

let rt: Runtime | undefined;
afterEach(async () => {
  await rt?.close();
  rt = undefined;
  killAll(everythingChildren());
});

const task = (id: string, capability: string) => ({
  id,
  action: `say ${id}`,
  capability_ids: [capability],
  depends_on: [],
  input_refs: [],
  output_refs: [],
});

describe('the MCP agent in a runtime, on real worker threads', () => {
  it('runs tasks through a real MCP server, fails a missing tool as CAPABILITY_NOT_AVAILABLE, and ends the server at close', async () => {
    rt = await createRuntime({
      agents: [
        {
          module: mcpAgent,
          options: {
            config: {
              servers: { everything: { command: process.execPath, args: [EVERYTHING, 'stdio'] } },
              capabilities: {
                'CAP-ACQ-*': { server: 'everything', tool: 'echo', arguments: { message: '{{action}}' } },
                'CAP-PRE-*': { server: 'everything', tool: 'no-such-tool' },
              },
            },
          },
        },
      ],
      pool: { maxThreads: 1 },
      logger: pino({ level: 'silent' }),
    });
    const run = rt.submit({
      tasks: [task('task_1', 'CAP-ACQ-001'), task('task_2', 'CAP-ACQ-002'), task('task_3', 'CAP-PRE-001')],
    });
    const outcomes: Record<string, { status: string; code?: string; summary?: string }> = {};
    run.on('result', (r) => {
      outcomes[r.task_id] =
        r.outcome.status === 'failed'
          ? { status: 'failed', code: r.outcome.error.code }
          : { status: r.outcome.status, summary: (r.outcome as { summary?: string }).summary };
    });
    const result = await run.result;
    expect(result.status).toBe('partial');
    expect(result.task_results.task_1.status).toBe('complete');
    expect(result.task_results.task_2.status).toBe('complete');
    expect(outcomes.task_3).toEqual({ status: 'failed', code: 'CAPABILITY_NOT_AVAILABLE' });
    expect(result.task_results.task_3.attempts).toBe(1);
    // One worker, one server process for its calls; closing the runtime closes the agent and ends it.
    expect(everythingChildren()).toHaveLength(1);
    await rt.close();
    rt = undefined;
    expect(everythingChildren()).toEqual([]);
  });

  it('refuses a bad MCP config at createRuntime with INVALID_INPUT naming the field', async () => {
    const error = await createRuntime({
      agents: [
        {
          module: mcpAgent,
          options: { config: { servers: {}, capabilities: { 'CAP-*': { server: 'x', tool: 't' } } } },
        },
      ],
      pool: { maxThreads: 1 },
      logger: pino({ level: 'silent' }),
    }).then(
      (r) => {
        rt = r;
        return undefined;
      },
      (e: unknown) => e as { code: string; message: string },
    );
    expect(error?.code).toBe('INVALID_INPUT');
    expect(error?.message).toContain('capabilities.CAP-*.server');
  });
});
