/**
 * `switchyard/agents`: Switchyard's built-in agents, as handler modules to list in
 * `createRuntime({ agents })`. A separate entry point so that importing `switchyard` never
 * loads the MCP client.
 *
 * @example
 * import { createRuntime } from 'switchyard';
 * import { mcpAgent } from 'switchyard/agents';
 * const rt = await createRuntime({ agents: [{ module: mcpAgent, options: { config: './mcp.json' } }] });
 * @packageDocumentation
 */

// From the TypeScript sources (tests, tsx) the module is a .ts file; from dist, .js.
const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';

/**
 * The MCP execution agent's module (a `defineAgentFactory` default export). Its options:
 * `{ config: <mcp.json path or the same object>, name?: 'execution_agent' }`.
 */
export const mcpAgent: URL = new URL(`./agents/mcp/mcp-agent.${extension}`, import.meta.url);

export { McpAgentOptionsSchema } from './agents/mcp/mcp-agent.js';
export type { McpAgentOptions } from './agents/mcp/mcp-agent.js';
export { McpConfigSchema } from './agents/mcp/config.js';
export type { McpConfig, ServerConfig } from './agents/mcp/config.js';

/**
 * The tester agent's module (a `defineAgentFactory` default export): runs a test suite
 * (`node --test`, `npm test`, `pytest`) in a subprocess and reports it. Its options:
 * {@link TesterAgentOptions} (`runner`, `cwd`, `command`, `args`, `env`, `timeoutMs`, `name`).
 */
export const testerAgent: URL = new URL(`./agents/tester/tester-agent.${extension}`, import.meta.url);

export { TesterAgentOptionsSchema } from './agents/tester/tester-agent.js';
export type { TesterAgentOptions } from './agents/tester/tester-agent.js';
export type { TestReport } from './agents/tester/test-report.js';
