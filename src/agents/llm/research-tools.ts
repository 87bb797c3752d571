import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { AgentError } from '../../pool/agent.js';
import { callError, toolMissing } from '../mcp/call-errors.js';
import type { McpConnections } from '../mcp/connections.js';
import { textOf } from '../mcp/tool-output.js';

/** A tool the researcher may call: a server of its `mcp` config, a tool name, and what it is for. */
export const ResearchToolSchema = z.strictObject({
  server: z.string().min(1),
  tool: z.string().min(1),
  /** Told to the model beside the tool's own description. */
  description: z.string().optional(),
});
export type ResearchTool = z.infer<typeof ResearchToolSchema>;

/** The model's first answer when it has tools: the calls it wants, at most `max`. */
export function toolPlanSchema(max: number) {
  return z.strictObject({
    tool_calls: z
      .array(
        z.strictObject({
          server: z.string(),
          tool: z.string(),
          arguments: z.record(z.string(), z.unknown()),
        }),
      )
      .max(max),
  });
}
export type ToolCall = z.infer<ReturnType<typeof toolPlanSchema>>['tool_calls'][number];

/** What one call gave, as the second prompt shows it. */
export interface ToolOutcome {
  readonly call: ToolCall;
  readonly ok: boolean;
  readonly text: string;
}

const TIMEOUT_MS = 60_000;

/** The allowed tools with their descriptions and argument schemas, as the servers list them. */
export async function describeTools(tools: readonly ResearchTool[], connections: McpConnections): Promise<string> {
  const lines: string[] = [];
  for (const t of tools) {
    const connection = await connections.get(t.server); // one per server, its tools listed when it connected
    const info = connection.tools.get(t.tool);
    if (info === undefined) throw toolMissing(t.server, t.tool, connection.tools);
    lines.push(
      `- server \`${t.server}\`, tool \`${t.tool}\`: ${t.description ?? info.description ?? ''}\n  arguments (JSON Schema): ${JSON.stringify(info.inputSchema)}`,
    );
  }
  return lines.join('\n');
}

/**
 * Runs the calls in order. A call of a tool not in `tools` is refused without being made; a
 * call that fails becomes its outcome's text (the notes say what could not be looked up), except
 * an abort, which ends the attempt. Each result's text is cut to `maxChars`.
 */
export async function runToolCalls(
  calls: readonly ToolCall[],
  tools: readonly ResearchTool[],
  connections: McpConnections,
  signal: AbortSignal,
  maxChars: number,
): Promise<ToolOutcome[]> {
  const outcomes: ToolOutcome[] = [];
  for (const call of calls) {
    if (!tools.some((t) => t.server === call.server && t.tool === call.tool)) {
      outcomes.push({ call, ok: false, text: 'Refused: this tool is not among those the researcher may call.' });
      continue;
    }
    try {
      const connection = await connections.get(call.server);
      const result = (await connection.client.callTool({ name: call.tool, arguments: call.arguments }, undefined, {
        signal,
        timeout: TIMEOUT_MS,
      })) as CallToolResult;
      const text = textOf(result);
      const cut = text.length > maxChars ? `${text.slice(0, maxChars)}\n[Truncated: ${text.length} characters]` : text;
      outcomes.push({ call, ok: result.isError !== true, text: cut });
    } catch (error) {
      if (signal.aborted) throw error;
      const failure = error instanceof AgentError ? error : callError(error, call.server, call.tool);
      outcomes.push({ call, ok: false, text: `The call failed (${failure.code}): ${failure.message}` });
    }
  }
  return outcomes;
}

/** The tool results as a Markdown section of the second prompt. */
export function toolSection(outcomes: readonly ToolOutcome[]): string {
  if (outcomes.length === 0) return '## Tool results\n\nNo tool was called.';
  const parts = outcomes.map(
    (o, i) =>
      `### Call ${i + 1}: ${o.call.tool} on ${o.call.server} ${o.ok ? '' : '(failed)'}\n\nArguments: ${JSON.stringify(o.call.arguments)}\n\n${o.text}`,
  );
  return `## Tool results\n\n${parts.join('\n\n')}`;
}
