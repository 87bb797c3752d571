import { describe, expect, it } from 'vitest';
import { builtInAgents } from '../../src/agents/built-in.js';
import { codeWriterAgent, mcpAgent, testerAgent } from '../../src/agents/modules.js';
import { TASK_TYPE_ROUTES } from '../../src/planning/task-types.js';
import { DEFAULT_ROUTES } from '../../src/protocol/routes.js';

const NO_ENV = {};
const config = (...patterns: string[]) => ({
  servers: { fs: { command: 'node', args: ['server.js'] } },
  capabilities: Object.fromEntries(patterns.map((p) => [p, { server: 'fs', tool: 'write_file' }])),
});
const agentFor = (routes: ReadonlyArray<{ prefix: string; agent: string }>, capability: string) =>
  routes.find((r) => capability.startsWith(r.prefix))?.agent;

describe('builtInAgents', () => {
  it('with a model routes by TASK_TYPE_ROUTES, and hosts the MCP agent only when given a config', () => {
    const llm = { baseURL: 'http://127.0.0.1:1/v1', model: 'm' };
    const plain = builtInAgents({ llm }, NO_ENV);
    expect(plain.routes).toEqual(TASK_TYPE_ROUTES);
    expect(plain.agents.map((a) => (typeof a === 'object' && 'module' in a ? a.module : a))).not.toContain(mcpAgent);
    const withMcp = builtInAgents({ llm, mcp: config('CAP-*') }, NO_ENV);
    expect(withMcp.routes).toEqual(TASK_TYPE_ROUTES); // a model does the code tasks, MCP only seed 003's ids
    expect(withMcp.agents.at(-1)).toEqual({ module: mcpAgent, options: { config: config('CAP-*') } });
    const writer = plain.agents.find((a) => typeof a === 'object' && 'module' in a && a.module === codeWriterAgent);
    expect(writer).toMatchObject({ options: { llm } });
  });

  it('takes the model from the environment, as the workers will', () => {
    const env = { SWITCHYARD_LLM_BASE_URL: 'http://127.0.0.1:1/v1', SWITCHYARD_LLM_MODEL: 'm' };
    expect(builtInAgents({ mcp: config('CAP-*') }, env).routes).toEqual(TASK_TYPE_ROUTES);
  });

  it('with no model sends the task types the MCP config covers, and only those that need a model, to execution_agent', () => {
    const all = builtInAgents({ mcp: config('CAP-*') }, NO_ENV).routes;
    expect(
      [
        'CAP-RES-X',
        'CAP-DES-X',
        'CAP-CODE-TS',
        'CAP-TEST-UNIT',
        'CAP-INT-E2E',
        'CAP-DOC-X',
        'CAP-REV-X',
        'CAP-SYN-REPORT',
      ].map((c) => agentFor(all, c)),
    ).toEqual([
      'researcher',
      'reasoning_agent',
      'execution_agent',
      'execution_agent',
      'execution_agent',
      'execution_agent',
      'reasoning_agent',
      'reasoning_agent',
    ]);
    expect(all.slice(-DEFAULT_ROUTES.length)).toEqual(DEFAULT_ROUTES);
    expect(all.find((r) => r.prefix === 'CAP-CODE-')?.reason).toContain('write_file on fs');
    const codeOnly = builtInAgents({ mcp: config('CAP-CODE-*', 'CAP-TEST-UNIT') }, NO_ENV).routes;
    expect(['CAP-CODE-TS', 'CAP-TEST-UNIT', 'CAP-DOC-X'].map((c) => agentFor(codeOnly, c))).toEqual([
      'execution_agent',
      'tester', // an exact id does not cover the whole type
      'code_writer',
    ]);
    expect(builtInAgents({}, NO_ENV).routes).toEqual(TASK_TYPE_ROUTES); // nothing to send them to
  });

  it('passes the tester its options with the test capabilities', () => {
    const { agents } = builtInAgents({ tester: { runner: 'pytest', timeoutMs: 1000 } }, NO_ENV);
    expect(agents.find((a) => typeof a === 'object' && 'module' in a && a.module === testerAgent)).toMatchObject({
      options: { runner: 'pytest', timeoutMs: 1000, capabilities: ['CAP-TEST-*', 'CAP-INT-*'] },
    });
  });

  it('refuses bad options and a bad MCP config with INVALID_INPUT naming them', () => {
    expect(() => builtInAgents({ language: 'no spaces' } as never, NO_ENV)).toThrow(/language/u);
    expect(() => builtInAgents({ tester: { runner: 'mocha' } } as never, NO_ENV)).toThrow(/runner/u);
    expect(() => builtInAgents({ extra: 1 } as never, NO_ENV)).toThrow(/extra/u);
    expect(() => builtInAgents({ mcp: { servers: {} } }, NO_ENV)).toThrow(/capabilities/u);
    expect(() => builtInAgents({}, { SWITCHYARD_LLM_BASE_URL: 'http://x/v1' })).toThrow(/no model/u);
    const thrown = (() => {
      try {
        builtInAgents({ language: 'no spaces' } as never, NO_ENV);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(thrown).toMatchObject({ code: 'INVALID_INPUT' });
  });
});
