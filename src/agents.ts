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
 * The LLM reasoning agent's module. Options: `{ llm?: { baseURL, model, apiKeyEnv?, timeoutMs?,
 * temperature?, maxTokens? }, name?: 'reasoning_agent', systemPrompt?, capabilities?, maxInputChars?,
 * maxPromptInputChars? }`; without `llm` it reads the environment, and with no model at all it
 * writes a report of its inputs that says it is not a synthesis.
 */
export const reasoningAgent: URL = new URL(`./agents/llm/reasoning-agent.${extension}`, import.meta.url);

/**
 * The researcher's module: LLM research notes, optionally with MCP tool calls (`mcp` config and
 * `tools` it may call, at most `maxToolCalls` per task). Options as the reasoning agent's, plus those.
 */
export const researcherAgent: URL = new URL(`./agents/llm/researcher-agent.${extension}`, import.meta.url);

/**
 * The code writer's module: code, tests and docs for a task, from a model, written into the
 * run's workspace directory, with a manifest as the task's output. Needs a model.
 */
export const codeWriterAgent: URL = new URL(`./agents/llm/code-writer-agent.${extension}`, import.meta.url);

export { LlmOptionsSchema } from './agents/llm/llm-options.js';
export type { LlmOptions } from './agents/llm/llm-options.js';
export { ReasoningAgentOptionsSchema } from './agents/llm/reasoning-agent.js';
export type { ReasoningAgentOptions } from './agents/llm/reasoning-agent.js';
export { ResearcherOptionsSchema } from './agents/llm/researcher-agent.js';
export type { ResearcherOptions } from './agents/llm/researcher-agent.js';
export { CodeWriterOptionsSchema, CodeWriterAnswerSchema } from './agents/llm/code-writer-agent.js';
export type { CodeWriterOptions, CodeWriterAnswer } from './agents/llm/code-writer-agent.js';

/**
 * The tester agent's module (a `defineAgentFactory` default export): runs a test suite
 * (`node --test`, `npm test`, `pytest`) in a subprocess and reports it. Its options:
 * {@link TesterAgentOptions} (`runner`, `cwd`, `command`, `args`, `env`, `timeoutMs`, `name`).
 */
export const testerAgent: URL = new URL(`./agents/tester/tester-agent.${extension}`, import.meta.url);

export { TesterAgentOptionsSchema } from './agents/tester/tester-agent.js';
export type { TesterAgentOptions } from './agents/tester/tester-agent.js';
export type { TestReport } from './agents/tester/test-report.js';
