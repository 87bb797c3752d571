import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Logger } from 'pino';
import { AgentError } from '../../pool/agent.js';
import { type ChildProcesses, noChildProcesses } from '../../pool/child-processes.js';
import { ErrorCodes } from '../../protocol/errors.js';
import type { ServerConfig } from './config.js';

/** A tool as the server lists it: its name, description and input schema. */
export type ListedTool = Awaited<ReturnType<Client['listTools']>>['tools'][number];

/** One open client connection to a server, and the tools it lists (read once, when it connects). */
export interface Connection {
  readonly client: Client;
  readonly tools: ReadonlyMap<string, ListedTool>;
  /** The child process of a stdio server. */
  readonly pid: number | undefined;
}

const CLIENT_INFO = { name: 'switchyard-mcp-agent', version: '1' };

/**
 * A stdio transport that says when its server process has started: the client's `connect`
 * starts the transport itself, and the process must be registered from then on, not only once
 * the handshake and the tool list are through (the worker may die in between).
 */
class StartedStdioTransport extends StdioClientTransport {
  onStarted?: (pid: number) => void;

  override async start(): Promise<void> {
    await super.start();
    if (this.pid !== null) this.onStarted?.(this.pid);
  }
}

/**
 * The agent's connections, one per server (per worker thread, as each thread builds its own
 * agent): opened on first use, reused by every call after, dropped when the transport closes
 * (a stdio server that exits or crashes), so the next call opens a new one — restarting the
 * server — and closed by {@link close}.
 */
export class McpConnections {
  readonly #servers: Readonly<Record<string, ServerConfig>>;
  readonly #logger: Logger;
  readonly #children: ChildProcesses;
  readonly #open = new Map<string, Promise<Connection>>();
  #closed = false;
  /** Each stdio process started, in order: what tests count and kill. */
  readonly spawned: number[] = [];

  /**
   * `children` is where each stdio server's process is registered while it runs (the factory
   * environment's), so that the host kills it if the worker thread dies.
   */
  constructor(
    servers: Readonly<Record<string, ServerConfig>>,
    logger: Logger,
    children: ChildProcesses = noChildProcesses,
  ) {
    this.#servers = servers;
    this.#logger = logger;
    this.#children = children;
  }

  /** The connection to `server`, opened if there is none; failing to open is `CAPABILITY_NOT_AVAILABLE`. */
  get(server: string): Promise<Connection> {
    if (this.#closed)
      return Promise.reject(
        new AgentError(ErrorCodes.CLOSED, 'The MCP agent is closed: its worker is shutting down.', {
          recoverable: true,
        }),
      );
    let open = this.#open.get(server);
    if (!open) {
      open = this.#connect(server);
      this.#open.set(server, open);
      // A failed open is not kept: the next call tries again.
      open.catch(() => this.#open.get(server) === open && this.#open.delete(server));
    }
    return open;
  }

  async #connect(name: string): Promise<Connection> {
    const config = this.#servers[name];
    const client = new Client(CLIENT_INFO);
    const transport =
      'command' in config
        ? new StartedStdioTransport({
            command: config.command,
            ...(config.args ? { args: config.args } : {}),
            ...(config.env ? { env: config.env } : {}),
            ...(config.cwd ? { cwd: config.cwd } : {}),
            stderr: 'pipe',
          })
        : new StreamableHTTPClientTransport(new URL(config.url), {
            requestInit: { headers: config.headers ?? {} },
          });
    let started: number | undefined;
    if (transport instanceof StartedStdioTransport) {
      transport.stderr?.on('data', (chunk: Buffer) =>
        this.#logger.debug({ server: name, stderr: chunk.toString('utf8').trimEnd() }, 'MCP server stderr'),
      );
      const label = `MCP server ${name} (${'command' in config ? config.command : config.url})`;
      transport.onStarted = (pid) => {
        started = pid;
        this.#children.register(pid, { label });
      };
    }
    client.onclose = () => {
      // A stdio transport closes once its process has exited: the pid is no longer ours.
      if (started !== undefined) this.#children.unregister(started);
      // The transport ended (the server exited or the connection closed): the next call reconnects.
      const current = this.#open.get(name);
      void current?.then(
        (c) => c.client === client && this.#open.get(name) === current && this.#open.delete(name),
        () => undefined,
      );
      this.#logger.debug({ server: name }, 'MCP connection closed');
    };
    try {
      await client.connect(transport);
      if (started !== undefined) this.spawned.push(started);
      return { client, tools: await listTools(client), pid: started };
    } catch (error) {
      await client.close().catch(() => undefined);
      throw unreachable(name, config, error);
    }
  }

  /** Closes every connection (ending stdio servers' processes); later calls fail with `CLOSED`. */
  async close(): Promise<void> {
    this.#closed = true;
    const open = [...this.#open.values()];
    this.#open.clear();
    await Promise.allSettled(open.map(async (c) => (await c).client.close()));
  }
}

async function listTools(client: Client): Promise<Map<string, ListedTool>> {
  const tools = new Map<string, ListedTool>();
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor });
    for (const tool of page.tools) tools.set(tool.name, tool);
    cursor = page.nextCursor;
  } while (cursor);
  return tools;
}

function unreachable(name: string, config: ServerConfig, error: unknown): AgentError {
  const where = 'command' in config ? `\`${config.command}\`` : config.url;
  const reason = error instanceof Error ? error.message : String(error);
  return new AgentError(
    ErrorCodes.CAPABILITY_NOT_AVAILABLE,
    `MCP server ${name} (${where}) cannot be reached: ${reason}. Check the servers section of the MCP config.`,
    { recoverable: false, cause: error },
  );
}
