import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { pino } from 'pino';
import { z } from 'zod';
import { type AgentContext, type AgentDefinition, AgentError, defineAgent } from '../../pool/agent.js';
import { type AgentFactoryEnv, defineAgentFactory } from '../../pool/agent-factory.js';
import type { Dispatch } from '../../protocol/dispatch-output.js';
import { ErrorCodes } from '../../protocol/errors.js';
import type { ProducedRef } from '../../protocol/refs.js';
import { callError, toolError, toolMissing } from './call-errors.js';
import { type CompiledMapping, type LoadedConfig, loadMcpConfig, mappingFor } from './config.js';
import { McpConnections } from './connections.js';
import { fillTemplate } from './template.js';
import { assignPieces, piecesOf, textOf } from './tool-output.js';

/** Options of the MCP agent module (its `agents` entry's `options`). */
export const McpAgentOptionsSchema = z.strictObject({
  /** The config, or the path of its JSON file (`mcp.json`, relative to the process's directory). */
  config: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
  /** The agent's name: the routing target. @default 'execution_agent' */
  name: z.string().min(1).default('execution_agent'),
});
export type McpAgentOptions = z.input<typeof McpAgentOptionsSchema>;

const DEFAULT_TIMEOUT_MS = 60_000;

async function callMapped(
  config: LoadedConfig,
  connections: McpConnections,
  mapping: CompiledMapping,
  args: unknown,
  signal: AbortSignal,
): Promise<CallToolResult> {
  const { server, tool } = mapping;
  const connection = await connections.get(server);
  if (!connection.tools.has(tool)) throw toolMissing(server, tool, connection.tools);
  try {
    return (await connection.client.callTool({ name: tool, arguments: args as Record<string, unknown> }, undefined, {
      signal,
      timeout: config.servers[server].timeoutMs ?? DEFAULT_TIMEOUT_MS,
    })) as CallToolResult;
  } catch (error) {
    // An abort is the runtime's to report (ABORTED, recoverable): leave it as it is.
    if (signal.aborted) throw error;
    throw callError(error, server, tool);
  }
}

async function handle(
  config: LoadedConfig,
  connections: McpConnections,
  dispatch: Dispatch,
  ctx: AgentContext,
): Promise<{ output_refs_produced: ProducedRef[]; summary: string }> {
  const capability = dispatch.capability_ids.find((c) => mappingFor(config, [c]));
  const mapping = capability === undefined ? undefined : mappingFor(config, [capability]);
  if (!mapping || capability === undefined)
    throw new AgentError(
      ErrorCodes.CAPABILITY_NOT_AVAILABLE,
      `The MCP config maps none of ${dispatch.capability_ids.join(', ')} to a tool.`,
      { recoverable: false },
    );
  const args = await fillTemplate(mapping.template, {
    dispatch,
    workflowId: ctx.workflowId,
    capability,
    readText: (refId) => ctx.readText(refId),
  });
  ctx.progress({ message: `calling ${mapping.tool} on ${mapping.server}` });
  const result = await callMapped(config, connections, mapping, args, ctx.signal);
  if (result.isError) throw toolError(textOf(result), mapping.server, mapping.tool);
  const produced: ProducedRef[] = [];
  for (const [ref, piece] of assignPieces(piecesOf(result), dispatch.output_refs_expected, mapping.tool)) {
    const uri = await ctx.write(ref, piece.data, { assetType: piece.assetType });
    produced.push({ ref_id: ref, storage_uri: uri, asset_type: piece.assetType });
  }
  const text = textOf(result).trim();
  const summary = `${mapping.tool} on ${mapping.server}${text ? `: ${text.slice(0, 200)}` : ''}`;
  return { output_refs_produced: produced, summary };
}

/**
 * The MCP execution agent, built from its options: serves the capabilities the config maps,
 * calls each task's tool over one connection per server (opened on first use), writes the
 * result as the task's output artifacts, and closes its connections in `close()`.
 * `connections` is exposed for tests (spawn counts); it is not part of the agent contract.
 */
export function createMcpAgent(
  options: unknown,
  env?: Partial<Pick<AgentFactoryEnv, 'logger' | 'children'>>,
): AgentDefinition & { readonly connections: McpConnections } {
  const o = McpAgentOptionsSchema.parse(options);
  const config = loadMcpConfig(o.config);
  const connections = new McpConnections(config.servers, env?.logger ?? pino({ level: 'silent' }), env?.children);
  const agent = defineAgent({
    name: o.name,
    capabilities: config.mappings.map((m) => m.pattern),
    handle: (dispatch, ctx) => handle(config, connections, dispatch, ctx),
    close: () => connections.close(),
  });
  return Object.assign(Object.create(null) as object, agent, { connections });
}

/**
 * The module's default export: `agents: [{ module: mcpAgent, options: { config: './mcp.json' } }]`.
 */
export default defineAgentFactory((options, env) => createMcpAgent(options, env));
