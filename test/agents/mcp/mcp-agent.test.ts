import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMcpAgent } from '../../../src/agents/mcp/mcp-agent.js';
import { AgentError } from '../../../src/pool/agent.js';
import type { Dispatch } from '../../../src/protocol/dispatch-output.js';
import { artifactContextDouble } from '../../helpers/artifact-storage-double.js';
import { alive, EVERYTHING, FILESYSTEM, killAll, startEverythingHttp } from '../../helpers/mcp-servers.js';
import { agentFailure } from '../../helpers/errors.js';

type Agent = ReturnType<typeof createMcpAgent>;
const agents: Agent[] = [];
const children: ChildProcess[] = [];
let dir = '';

afterEach(async () => {
  for (const agent of agents.splice(0)) {
    await agent.close?.();
    killAll(agent.connections.spawned);
  }
  for (const child of children.splice(0)) child.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function tmp(): string {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-mcp-'));
  return dir;
}

const everything = { command: process.execPath, args: [EVERYTHING, 'stdio'] };

function agentWith(capabilities: Record<string, unknown>, servers: Record<string, unknown> = { everything }): Agent {
  const agent = createMcpAgent({ config: { servers, capabilities } });
  agents.push(agent);
  return agent;
}

function dispatch(over: Partial<Dispatch> = {}): Dispatch {
  return {
    task_id: 'task_1',
    action: 'Say hello',
    capability_ids: ['CAP-ACQ-001'],
    input_refs_resolved: [],
    output_refs_expected: ['derived_1'],
    execution_group: 1,
    attempt: 1,
    workflow_progress: { total_tasks: 1, completed: 0, in_progress: 1, pending: 0, failed: 0 },
    ...over,
  };
}

const ECHO = {
  'CAP-ACQ-*': { server: 'everything', tool: 'echo', arguments: { message: '{{action}} ({{task_id}} #{{attempt}})' } },
};

describe('the MCP execution agent against real MCP servers over stdio', () => {
  it('writes a tool call’s text result as the task’s output artifact', async () => {
    const agent = agentWith(ECHO);
    const d = dispatch();
    const ctx = artifactContextDouble(tmp(), d);
    const out = await agent.handle(d, ctx);
    expect(ctx.written.get('derived_1')?.data).toBe('Echo: Say hello (task_1 #1)');
    expect(out.output_refs_produced).toEqual([
      { ref_id: 'derived_1', storage_uri: pathToFileURL(join(dir, 'derived_1')).href, asset_type: 'text/plain' },
    ]);
    expect(readFileSync(join(dir, 'derived_1'), 'utf8')).toBe('Echo: Say hello (task_1 #1)');
  });

  it('writes an image result as bytes with its MIME type, one content item per output ref', async () => {
    const agent = agentWith({ 'CAP-VIS-*': { server: 'everything', tool: 'get-tiny-image' } });
    // get-tiny-image answers text, an image, text.
    const d = dispatch({
      capability_ids: ['CAP-VIS-001'],
      output_refs_expected: ['derived_1', 'derived_2', 'derived_3'],
    });
    const ctx = artifactContextDouble(tmp(), d);
    await agent.handle(d, ctx);
    const image = ctx.written.get('derived_2');
    expect(image?.assetType).toBe('image/png');
    expect(image?.data).toBeInstanceOf(Uint8Array);
    expect(
      Buffer.from(image?.data as Uint8Array)
        .subarray(1, 4)
        .toString('latin1'),
    ).toBe('PNG');
    expect(typeof ctx.written.get('derived_1')?.data).toBe('string');
  });

  it('writes a mixed result to a single output as JSON, the image as base64', async () => {
    const agent = agentWith({ 'CAP-VIS-*': { server: 'everything', tool: 'get-tiny-image' } });
    const d = dispatch({ capability_ids: ['CAP-VIS-001'] });
    const ctx = artifactContextDouble(tmp(), d);
    await agent.handle(d, ctx);
    const written = ctx.written.get('derived_1');
    expect(written?.assetType).toBe('application/json');
    const items = JSON.parse(String(written?.data)) as Array<{ type: string; base64?: string }>;
    const png = items.find((i) => i.type === 'image/png');
    expect(
      Buffer.from(png?.base64 ?? '', 'base64')
        .subarray(1, 4)
        .toString('latin1'),
    ).toBe('PNG');
  });

  it('has the filesystem server read the file a dispatch names, and writes its content as the output', async () => {
    const root = tmp();
    const source = join(root, 'notes.txt');
    writeFileSync(source, 'the quick brown fox\n');
    const agent = agentWith(
      { 'CAP-DAT-001': { server: 'fs', tool: 'read_text_file', arguments: { path: '{{input.0.path}}' } } },
      { fs: { command: process.execPath, args: [FILESYSTEM, root] } },
    );
    const d = dispatch({
      capability_ids: ['CAP-DAT-001'],
      input_refs_resolved: [{ ref_id: 'store_1', storage_uri: pathToFileURL(source).href, status: 'stored' }],
    });
    const ctx = artifactContextDouble(join(root, 'out'), d);
    const out = await agent.handle(d, ctx);
    expect(ctx.written.get('derived_1')?.data).toBe('the quick brown fox\n');
    expect(out.output_refs_produced?.map((r) => r.ref_id)).toEqual(['derived_1']);
  });

  it('fills {{input.<ref>.text}} with the input’s content read through the storage', async () => {
    const root = tmp();
    writeFileSync(join(root, 'in.txt'), 'from storage');
    const agent = agentWith({
      'CAP-ACQ-*': { server: 'everything', tool: 'echo', arguments: { message: '{{input.store_1.text}}' } },
    });
    const d = dispatch({
      input_refs_resolved: [
        { ref_id: 'store_1', storage_uri: pathToFileURL(join(root, 'in.txt')).href, status: 'stored' },
      ],
    });
    const ctx = artifactContextDouble(join(root, 'out'), d);
    await agent.handle(d, ctx);
    expect(ctx.written.get('derived_1')?.data).toBe('Echo: from storage');
  });

  it('fails with CAPABILITY_NOT_AVAILABLE, not recoverable, when the server lacks the tool', async () => {
    const agent = agentWith({ 'CAP-ACQ-*': { server: 'everything', tool: 'no-such-tool' } });
    const d = dispatch();
    const error = await agentFailure(Promise.resolve(agent.handle(d, artifactContextDouble(tmp(), d))));
    expect({ code: error.code, recoverable: error.recoverable }).toEqual({
      code: 'CAPABILITY_NOT_AVAILABLE',
      recoverable: false,
    });
    expect(error.message).toContain('no-such-tool');
  });

  it('fails with CAPABILITY_NOT_AVAILABLE, not recoverable, when the server command does not exist', async () => {
    const agent = agentWith(ECHO, { everything: { command: 'switchyard-no-such-mcp-server' } });
    const d = dispatch();
    const error = await agentFailure(Promise.resolve(agent.handle(d, artifactContextDouble(tmp(), d))));
    expect({ code: error.code, recoverable: error.recoverable }).toEqual({
      code: 'CAPABILITY_NOT_AVAILABLE',
      recoverable: false,
    });
    expect(agent.connections.spawned).toEqual([]);
  });

  it('fails an isError result as not recoverable (the tool ran and refused)', async () => {
    const root = tmp();
    const agent = agentWith(
      { 'CAP-DAT-*': { server: 'fs', tool: 'read_text_file', arguments: { path: '/etc/hostname-outside-the-root' } } },
      { fs: { command: process.execPath, args: [FILESYSTEM, root] } },
    );
    const d = dispatch({ capability_ids: ['CAP-DAT-002'] });
    const error = await agentFailure(Promise.resolve(agent.handle(d, artifactContextDouble(join(root, 'out'), d))));
    expect({ code: error.code, recoverable: error.recoverable }).toEqual({
      code: 'MCP_TOOL_ERROR',
      recoverable: false,
    });
  });

  it('reuses one server process for many calls, and close() ends it', async () => {
    const agent = agentWith(ECHO);
    const root = tmp();
    for (let i = 1; i <= 5; i++) {
      const d = dispatch({ task_id: `task_${i}` });
      await agent.handle(d, artifactContextDouble(root, d));
    }
    expect(agent.connections.spawned).toHaveLength(1);
    const [pid] = agent.connections.spawned;
    expect(alive(pid)).toBe(true);
    await agent.close?.();
    expect(alive(pid)).toBe(false);
  });

  it('restarts a server killed between two calls', async () => {
    const agent = agentWith(ECHO);
    const root = tmp();
    const d = dispatch();
    await agent.handle(d, artifactContextDouble(root, d));
    const [first] = agent.connections.spawned;
    process.kill(first, 'SIGKILL');
    await vi.waitFor(() => expect(alive(first)).toBe(false));
    // The death may or may not have been seen when the next call starts: if not, that attempt
    // fails recoverably; either way the call after it runs on a new process.
    const next = await Promise.resolve(agent.handle(d, artifactContextDouble(root, d))).then(
      () => 'ok',
      (e: AgentError) => (e.recoverable ? 'recoverable' : `not recoverable: ${e.code}`),
    );
    expect(['ok', 'recoverable']).toContain(next);
    if (next !== 'ok') await agent.handle(d, artifactContextDouble(root, d));
    expect(agent.connections.spawned).toHaveLength(2);
    expect(agent.connections.spawned[1]).not.toBe(first);
  });

  it('fails the attempt that sees its server crash recoverably, and the next call restarts it', async () => {
    const agent = agentWith({
      ...ECHO,
      'CAP-AUD-*': {
        server: 'everything',
        tool: 'trigger-long-running-operation',
        arguments: { duration: 60, steps: 60 },
      },
    });
    const root = tmp();
    const warm = dispatch();
    await agent.handle(warm, artifactContextDouble(root, warm));
    const [pid] = agent.connections.spawned;
    const long = dispatch({ capability_ids: ['CAP-AUD-001'], output_refs_expected: [] });
    // Progress is reported just before the call goes out on the open connection: kill then.
    const ctx = artifactContextDouble(root, long, { onProgress: () => process.kill(pid, 'SIGKILL') });
    const error = await agentFailure(Promise.resolve(agent.handle(long, ctx)));
    expect(error.recoverable).toBe(true);
    expect(error.code).toBe('MCP_CONNECTION_LOST');
    await agent.handle(warm, artifactContextDouble(root, warm));
    expect(agent.connections.spawned).toHaveLength(2);
  });

  it('aborts the request when ctx.signal aborts', async () => {
    const agent = agentWith({
      'CAP-AUD-*': {
        server: 'everything',
        tool: 'trigger-long-running-operation',
        arguments: { duration: 60, steps: 60 },
      },
    });
    const abort = new AbortController();
    const d = dispatch({ capability_ids: ['CAP-AUD-001'], output_refs_expected: [] });
    const ctx = artifactContextDouble(tmp(), d, { signal: abort.signal, onProgress: () => abort.abort('cancelled') });
    const error = await Promise.resolve(agent.handle(d, ctx)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(error).not.toBeInstanceOf(AgentError); // left to the runtime, which reports ABORTED
    expect(abort.signal.aborted).toBe(true);
  });
});

describe('the MCP execution agent over Streamable HTTP', () => {
  it('calls a tool on server-everything in its streamableHttp mode', async () => {
    const { url, child } = await startEverythingHttp();
    children.push(child);
    const agent = agentWith(ECHO, { everything: { url } });
    const d = dispatch();
    const ctx = artifactContextDouble(tmp(), d);
    await agent.handle(d, ctx);
    await agent.handle(d, ctx);
    expect(ctx.written.get('derived_1')?.data).toBe('Echo: Say hello (task_1 #1)');
    expect(agent.connections.spawned).toEqual([]);
  });

  it('fails with CAPABILITY_NOT_AVAILABLE when nothing listens at the URL', async () => {
    const agent = agentWith(ECHO, { everything: { url: 'http://127.0.0.1:9/mcp' } });
    const d = dispatch();
    const error = await agentFailure(Promise.resolve(agent.handle(d, artifactContextDouble(tmp(), d))));
    expect({ code: error.code, recoverable: error.recoverable }).toEqual({
      code: 'CAPABILITY_NOT_AVAILABLE',
      recoverable: false,
    });
  });
});
