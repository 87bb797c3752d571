import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { capabilityMatches } from '../../protocol/capabilities.js';
import { ErrorCodes, SwitchyardError } from '../../protocol/errors.js';
import { parseJsonText } from '../../protocol/json-text.js';
import { parseWith } from '../../protocol/parse.js';
import { compileTemplate, type Template } from './template.js';

const timeoutMs = z.number().int().min(1).max(86_400_000).optional();

/** A server the agent starts as a child process and talks to over stdin/stdout. */
export const StdioServerSchema = z.strictObject({
  command: z.string().min(1),
  args: z.array(z.string()).optional(),
  /** Added to a minimal safe environment (PATH, HOME, …), as the SDK does. */
  env: z.record(z.string(), z.string()).optional(),
  /** Relative to the config file's directory when loaded from a file, else to the process's. */
  cwd: z.string().min(1).optional(),
  /** Deadline of one tool call. @default 60000 */
  timeoutMs,
});

/** A server reached over MCP's Streamable HTTP transport. */
export const HttpServerSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/u }),
  headers: z.record(z.string(), z.string()).optional(),
  /** Deadline of one tool call. @default 60000 */
  timeoutMs,
});

export const ServerSchema = z.union([StdioServerSchema, HttpServerSchema]);
export type ServerConfig = z.infer<typeof ServerSchema>;

/** What one capability (or prefix) calls: a server by name, a tool, and the argument template. */
export const ToolMappingSchema = z.strictObject({
  server: z.string().min(1),
  tool: z.string().min(1),
  /** A JSON value whose strings may hold `{{placeholders}}` (see template.ts). @default {} */
  arguments: z.json().optional(),
});

/** The MCP agent's configuration: the file `mcp.json`, or the same object inline. */
export const McpConfigSchema = z
  .strictObject({
    servers: z.record(z.string().regex(/^[\w.-]+$/u, 'a server name is letters, digits, `_`, `-`, `.`'), ServerSchema),
    capabilities: z
      .record(
        z.string().regex(/^[^\s*]+\*?$/u, 'a capability id, or a prefix ending in * (CAP-ACQ-*)'),
        ToolMappingSchema,
      )
      .refine((m) => Object.keys(m).length > 0, 'map at least one capability to a tool'),
  })
  .superRefine((config, ctx) => {
    for (const [capability, mapping] of Object.entries(config.capabilities))
      if (!Object.hasOwn(config.servers, mapping.server))
        ctx.addIssue({
          code: 'custom',
          path: ['capabilities', capability, 'server'],
          message: `no server named \`${mapping.server}\` in \`servers\``,
        });
  });
export type McpConfig = z.infer<typeof McpConfigSchema>;

/** A capability's mapping with its template compiled. */
export interface CompiledMapping {
  readonly pattern: string;
  readonly server: string;
  readonly tool: string;
  readonly template: Template;
}

/** A checked config: servers by name, and mappings most specific first (exact ids, then longer prefixes). */
export interface LoadedConfig {
  readonly servers: Readonly<Record<string, ServerConfig>>;
  readonly mappings: readonly CompiledMapping[];
}

function readConfigFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SwitchyardError(
      ErrorCodes.INVALID_INPUT,
      `The MCP config file ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}): give the path of an mcp.json.`,
      { path },
    );
  }
  const parsed = parseJsonText(text, `MCP config file ${path}`);
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}

const specificity = (pattern: string) => (pattern.endsWith('*') ? pattern.length : Number.MAX_SAFE_INTEGER);

/**
 * Reads and checks the config (an object, or the path of a JSON file), compiling every
 * argument template: a bad field or an unknown placeholder is an `INVALID_INPUT` naming it.
 */
export function loadMcpConfig(source: string | unknown): LoadedConfig {
  const fromFile = typeof source === 'string';
  const path = fromFile ? resolve(source) : undefined;
  const parsed = parseWith(
    McpConfigSchema,
    path ? readConfigFile(path) : source,
    path ? `MCP config ${path}` : 'MCP config',
  );
  if (!parsed.ok) throw parsed.error;
  const servers: Record<string, ServerConfig> = {};
  for (const [name, server] of Object.entries(parsed.value.servers))
    servers[name] =
      'command' in server && server.cwd && path ? { ...server, cwd: resolve(dirname(path), server.cwd) } : server;
  const mappings = Object.entries(parsed.value.capabilities).map(([pattern, m]) => ({
    pattern,
    server: m.server,
    tool: m.tool,
    template: compileTemplate(m.arguments ?? {}, `capabilities.${pattern}.arguments`),
  }));
  mappings.sort((a, b) => specificity(b.pattern) - specificity(a.pattern));
  return { servers, mappings };
}

/** The mapping for a task: of its capabilities in order, the first some mapping covers (the most specific one). */
export function mappingFor(config: LoadedConfig, capabilities: readonly string[]): CompiledMapping | undefined {
  for (const capability of capabilities) {
    const found = config.mappings.find((m) => capabilityMatches(m.pattern, capability));
    if (found) return found;
  }
  return undefined;
}
