/**
 * Where the built-in agents' modules are: the URLs to list in `createRuntime({ agents })`.
 * Kept apart from `switchyard/agents`' index so that `builtInAgents` can name them too.
 */

// From the TypeScript sources (tests, tsx) the module is a .ts file; from dist, .js.
const extension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';

/**
 * The MCP execution agent's module (a `defineAgentFactory` default export). Its options:
 * `{ config: <mcp.json path or the same object>, name?: 'execution_agent' }`.
 */
export const mcpAgent: URL = new URL(`./mcp/mcp-agent.${extension}`, import.meta.url);

/**
 * The LLM reasoning agent's module. Options: `{ llm?: { baseURL, model, apiKeyEnv?, timeoutMs?,
 * temperature?, maxTokens? }, name?: 'reasoning_agent', systemPrompt?, capabilities?, maxInputChars?,
 * maxPromptInputChars? }`; without `llm` it reads the environment, and with no model at all it
 * writes a report of its inputs that says it is not a synthesis.
 */
export const reasoningAgent: URL = new URL(`./llm/reasoning-agent.${extension}`, import.meta.url);

/**
 * The researcher's module: LLM research notes, optionally with MCP tool calls (`mcp` config and
 * `tools` it may call, at most `maxToolCalls` per task). Options as the reasoning agent's, plus those.
 */
export const researcherAgent: URL = new URL(`./llm/researcher-agent.${extension}`, import.meta.url);

/**
 * The code writer's module: code, tests and docs for a task, from a model, written into the
 * run's workspace directory, with a manifest as the task's output. Needs a model.
 */
export const codeWriterAgent: URL = new URL(`./llm/code-writer-agent.${extension}`, import.meta.url);

/**
 * The tester agent's module (a `defineAgentFactory` default export): runs a test suite
 * (`node --test`, `npm test`, `pytest`) in a subprocess and reports it. Its options:
 * {@link TesterAgentOptions} (`runner`, `cwd`, `command`, `args`, `env`, `timeoutMs`, `name`).
 */
export const testerAgent: URL = new URL(`./tester/tester-agent.${extension}`, import.meta.url);
