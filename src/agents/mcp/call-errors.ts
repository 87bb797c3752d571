import { ErrorCode as McpCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { AgentError } from '../../pool/agent.js';
import { ErrorCodes } from '../../protocol/errors.js';

/*
 * Seed 003's failure classification applied to MCP: timeouts, rate limits, a lost connection
 * and server-side faults are recoverable (the attempt is retried); invalid input is not; a
 * server that cannot be reached or lacks the tool is CAPABILITY_NOT_AVAILABLE, not recoverable.
 */

/** Words in an `isError` result's text that mark it as transient (seed 003: timeouts and rate limits retry). */
const TRANSIENT = /rate.?limit|too many requests|\b429\b|timed? ?out|timeout|temporar(il)?y unavailable|try again/iu;
const MAX_TEXT = 500;

const clip = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);

/** An error thrown by a tool call (protocol, transport), as the attempt's failure. */
export function callError(error: unknown, server: string, tool: string): AgentError {
  if (error instanceof AgentError) return error;
  const what = `${tool} on MCP server ${server}`;
  const message = error instanceof Error ? error.message : String(error);
  const fail = (code: string, recoverable: boolean, text: string) =>
    new AgentError(code, `${what}: ${text}`, { recoverable, cause: error });
  if (error instanceof McpError) {
    switch (error.code) {
      case McpCode.RequestTimeout:
        return fail('TIMEOUT', true, `no answer in time (${message}).`);
      case McpCode.ConnectionClosed:
        return fail(
          'MCP_CONNECTION_LOST',
          true,
          `the connection closed during the call (${message}); the next call reconnects.`,
        );
      case McpCode.InvalidParams:
        return fail(ErrorCodes.INVALID_INPUT, false, `the server refused the arguments (${message}).`);
      case McpCode.MethodNotFound:
        return fail(ErrorCodes.CAPABILITY_NOT_AVAILABLE, false, `the server does not serve tool calls (${message}).`);
      default:
        return fail('MCP_SERVER_ERROR', true, message);
    }
  }
  if (error instanceof StreamableHTTPError) {
    const status = error.code ?? 0;
    if (status === 401 || status === 403 || status === 404)
      return fail(ErrorCodes.CAPABILITY_NOT_AVAILABLE, false, `HTTP ${status}: ${message}`);
    if (status === 429) return fail('RATE_LIMITED', true, `rate limited (HTTP 429): ${message}`);
    return fail('MCP_SERVER_ERROR', status === 408 || status >= 500 || status === 0, `HTTP ${status}: ${message}`);
  }
  // fetch failures, resets: the network, not the input.
  return fail('MCP_CONNECTION_LOST', true, message);
}

/** A result with `isError: true`: the tool ran and failed. Not recoverable unless its text says it is transient. */
export function toolError(text: string, server: string, tool: string): AgentError {
  const recoverable = TRANSIENT.test(text);
  return new AgentError(
    recoverable ? 'MCP_TOOL_TRANSIENT' : 'MCP_TOOL_ERROR',
    `${tool} on MCP server ${server} reported an error: ${clip(text || '(no text)')}`,
    { recoverable },
  );
}

/** The tool is not in the server's `tools/list`. */
export function toolMissing(server: string, tool: string, tools: ReadonlyMap<string, unknown>): AgentError {
  const known = [...tools.keys()].sort().slice(0, 20).join(', ');
  return new AgentError(
    ErrorCodes.CAPABILITY_NOT_AVAILABLE,
    `MCP server ${server} has no tool ${tool} (it lists: ${known || 'none'}). Fix the tool name in the MCP config.`,
    { recoverable: false },
  );
}
