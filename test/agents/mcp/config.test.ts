import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMcpConfig, mappingFor } from '../../../src/agents/mcp/config.js';
import { compileTemplate, fillTemplate } from '../../../src/agents/mcp/template.js';
import { assignPieces } from '../../../src/agents/mcp/tool-output.js';
import type { Dispatch } from '../../../src/protocol/dispatch-output.js';
import { SwitchyardError } from '../../../src/protocol/errors.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

const servers = { s: { command: 'node' } };
const dispatch: Dispatch = {
  task_id: 'task_3',
  action: 'Extract audio',
  capability_ids: ['CAP-PRE-002'],
  input_refs_resolved: [{ ref_id: 'store_1', storage_uri: 'file:///data/store_1.mp4', status: 'stored' }],
  output_refs_expected: ['derived_1'],
  execution_group: 2,
  attempt: 2,
  workflow_progress: { total_tasks: 1, completed: 0, in_progress: 1, pending: 0, failed: 0 },
};
const scope = {
  dispatch,
  workflowId: 'wf',
  capability: 'CAP-PRE-002',
  readText: async (id: string) => `text of ${id}`,
};

function refusal(run: () => unknown): SwitchyardError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SwitchyardError);
    return error as SwitchyardError;
  }
  throw new Error('expected a refusal');
}

describe('the MCP config', () => {
  it('refuses an unknown placeholder at load with INVALID_INPUT naming where it is', () => {
    const error = refusal(() =>
      loadMcpConfig({
        servers,
        capabilities: { 'CAP-*': { server: 's', tool: 't', arguments: { a: ['{{input.0.size}}'] } } },
      }),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('capabilities.CAP-*.arguments.a[0]');
    expect(error.message).toContain('{{input.0.size}}');
  });

  it('refuses a stray {{ that opens no placeholder', () => {
    const error = refusal(() =>
      loadMcpConfig({ servers, capabilities: { 'CAP-*': { server: 's', tool: 't', arguments: '{{action' } } }),
    );
    expect(error.code).toBe('INVALID_INPUT');
  });

  it('refuses a mapping to a server it does not define, naming the field', () => {
    const error = refusal(() => loadMcpConfig({ servers, capabilities: { 'CAP-*': { server: 'other', tool: 't' } } }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('capabilities.CAP-*.server');
  });

  it('reads mcp.json from a path, resolving a stdio cwd against the file’s directory', () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-mcp-config-'));
    const file = join(dir, 'mcp.json');
    writeFileSync(
      file,
      JSON.stringify({
        servers: { s: { command: 'node', cwd: 'work' } },
        capabilities: { 'CAP-A': { server: 's', tool: 't' } },
      }),
    );
    const config = loadMcpConfig(file);
    expect(config.servers.s).toMatchObject({ cwd: join(dir, 'work') });
    expect(refusal(() => loadMcpConfig(join(dir, 'missing.json'))).code).toBe('INVALID_INPUT');
  });

  it('picks the most specific mapping: an exact id before a prefix, a longer prefix before a shorter one', () => {
    const config = loadMcpConfig({
      servers,
      capabilities: {
        'CAP-*': { server: 's', tool: 'any' },
        'CAP-PRE-*': { server: 's', tool: 'pre' },
        'CAP-PRE-002': { server: 's', tool: 'exact' },
      },
    });
    expect(mappingFor(config, ['CAP-PRE-002'])?.tool).toBe('exact');
    expect(mappingFor(config, ['CAP-PRE-001'])?.tool).toBe('pre');
    expect(mappingFor(config, ['CAP-VIS-001'])?.tool).toBe('any');
    expect(mappingFor(config, ['OTHER'])).toBeUndefined();
  });
});

describe('argument templates', () => {
  it('fills every placeholder, keeping a lone placeholder’s type', async () => {
    const t = compileTemplate(
      {
        action: '{{action}}',
        attempt: '{{attempt}}',
        line: '{{task_id}}/{{attempt}} in {{workflow_id}} for {{capability}}',
        uri: '{{input.store_1.uri}}',
        path: '{{input.0.path}}',
        text: '{{input.0.text}}',
        out: '{{output.0.ref_id}}',
        fixed: [1, true, null],
      },
      'args',
    );
    expect(await fillTemplate(t, scope)).toEqual({
      action: 'Extract audio',
      attempt: 2,
      line: 'task_3/2 in wf for CAP-PRE-002',
      uri: 'file:///data/store_1.mp4',
      path: '/data/store_1.mp4',
      text: 'text of store_1',
      out: 'derived_1',
      fixed: [1, true, null],
    });
  });

  it('fails the task, not recoverably, when the dispatch lacks a ref the template names', async () => {
    const t = compileTemplate('{{input.store_9.uri}}', 'args');
    await expect(fillTemplate(t, scope)).rejects.toMatchObject({ code: 'INVALID_INPUT', recoverable: false });
  });

  it('leaves any JSON without braces unchanged (property)', async () => {
    const json = fc.jsonValue().filter((v) => !JSON.stringify(v).includes('{{') && !JSON.stringify(v).includes('}}'));
    await fc.assert(
      fc.asyncProperty(json, async (value) => {
        expect(await fillTemplate(compileTemplate(value, 'args'), scope)).toEqual(value);
      }),
    );
  });
});

describe('tool output to output refs', () => {
  it('gives every expected output exactly one piece, and uses every piece (property)', () => {
    const piece = fc.string().map((data) => ({ data, assetType: 'text/plain' }));
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 8 }), (pieces, n) => {
        fc.pre(pieces.length >= n);
        const outputs = Array.from({ length: n }, (_, i) => `derived_${i + 1}`);
        const assigned = assignPieces(pieces, outputs, 'tool');
        expect([...assigned.keys()]).toEqual(outputs);
        expect([...assigned.values()].map((p) => p.data).join('\n')).toBe(pieces.map((p) => p.data).join('\n'));
      }),
    );
  });

  it('fails, not recoverably, when the tool returns fewer items than outputs', () => {
    expect(() => assignPieces([{ data: 'a', assetType: 'text/plain' }], ['d1', 'd2'], 'tool')).toThrow(
      expect.objectContaining({ code: 'MCP_OUTPUT_MISSING', recoverable: false }),
    );
  });
});
