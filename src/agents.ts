/**
 * `switchyard/agents`: Switchyard's built-in agents, as handler modules to list in
 * `createRuntime({ agents })`, and `builtInAgents`, the whole set with its routing table. A
 * separate entry point so that importing `switchyard` never loads the MCP client.
 *
 * @example
 * import { createRuntime } from 'switchyard';
 * import { mcpAgent } from 'switchyard/agents';
 * const rt = await createRuntime({ agents: [{ module: mcpAgent, options: { config: './mcp.json' } }] });
 * @packageDocumentation
 */

export { codeWriterAgent, mcpAgent, reasoningAgent, researcherAgent, testerAgent } from './agents/modules.js';
export { builtInAgents, BuiltInAgentsOptionsSchema } from './agents/built-in.js';
export type { BuiltInAgents, BuiltInAgentsOptions } from './agents/built-in.js';

export { McpAgentOptionsSchema } from './agents/mcp/mcp-agent.js';
export type { McpAgentOptions } from './agents/mcp/mcp-agent.js';
export { McpConfigSchema } from './agents/mcp/config.js';
export type { McpConfig, ServerConfig } from './agents/mcp/config.js';

export { LlmOptionsSchema } from './agents/llm/llm-options.js';
export type { LlmOptions } from './agents/llm/llm-options.js';
export { ReasoningAgentOptionsSchema } from './agents/llm/reasoning-agent.js';
export type { ReasoningAgentOptions } from './agents/llm/reasoning-agent.js';
export { ResearcherOptionsSchema } from './agents/llm/researcher-agent.js';
export type { ResearcherOptions } from './agents/llm/researcher-agent.js';
export { CodeWriterOptionsSchema, CodeWriterAnswerSchema } from './agents/llm/code-writer-agent.js';
export type { CodeWriterOptions, CodeWriterAnswer } from './agents/llm/code-writer-agent.js';

export { TesterAgentOptionsSchema } from './agents/tester/tester-agent.js';
export type { TesterAgentOptions } from './agents/tester/tester-agent.js';
export type { TestReport } from './agents/tester/test-report.js';
