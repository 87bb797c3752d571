import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { mcpAgent } from '../../../src/agents.js';
import { createRuntime, fileStorage, type Runtime } from '../../../src/index.js';
import { artifactPlan } from '../../helpers/artifact-plan.js';
import { EVERYTHING, FILESYSTEM, killAll } from '../../helpers/mcp-servers.js';

/** Children of this process running server-everything: the MCP agent's workers spawn them (threads share the pid). */
function everythingChildren(): number[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((line) => line.includes(EVERYTHING) || line.includes(FILESYSTEM))
    .map((line) => Number.parseInt(line.trim(), 10));
}

let rt: Runtime | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await rt?.close();
  rt = undefined;
  killAll(everythingChildren());
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
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

  it('reads a source through the filesystem server and writes what it returns as artifacts in the run storage, which the next task reads', async () => {
    const data = realpathSync(mkdtempSync(join(tmpdir(), 'mcp-src-')));
    const artifacts = realpathSync(mkdtempSync(join(tmpdir(), 'mcp-artifacts-')));
    dirs.push(data, artifacts);
    writeFileSync(join(data, 'notes.txt'), 'ship it on friday\n');
    rt = await createRuntime({
      agents: [
        {
          module: mcpAgent,
          options: {
            config: {
              servers: { fs: { command: process.execPath, args: [FILESYSTEM, data] } },
              capabilities: {
                // task_1: the source file's text, through the server, becomes store_1.
                'CAP-ACQ-*': { server: 'fs', tool: 'read_text_file', arguments: { path: '{{input.0.path}}' } },
                // task_2: store_1's content, read through the storage, goes back to the server as a new file.
                'CAP-PRE-*': {
                  server: 'fs',
                  tool: 'write_file',
                  arguments: { path: `${data}/copy-{{task_id}}.txt`, content: '{{input.0.text}}' },
                },
              },
            },
          },
        },
      ],
      artifacts: fileStorage({ root: artifacts }),
      pool: { maxThreads: 1 },
      logger: pino({ level: 'silent' }),
    });
    const run = rt.submit(artifactPlan(pathToFileURL(join(data, 'notes.txt')).href), { runId: 'mcp-files' });
    const result = await run.result;
    expect(result.status).toBe('complete');
    const registry = run.state().ref_registry as Record<string, { storage_uri: string | null }>;
    const stored = registry.store_1.storage_uri!;
    expect(fileURLToPath(stored).startsWith(join(artifacts, 'mcp-files'))).toBe(true);
    expect(readFileSync(new URL(stored), 'utf8')).toBe('ship it on friday\n');
    // The server wrote the copy task_2 asked for, from the artifact's content.
    expect(readFileSync(join(data, 'copy-task_2.txt'), 'utf8')).toBe('ship it on friday\n');
    expect(readFileSync(new URL(registry.derived_1.storage_uri!), 'utf8')).toMatch(/copy-task_2\.txt/u);
  });
});
