import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';

/** Inspection events kept for a browser that connects late (or reconnects). */
const BACKLOG = 2000;

/** Where the relay listens. */
export interface RelayAddress {
  readonly host: string;
  readonly port: number;
}

/** A running relay: feed it inspection events; a browser on {@link InspectorRelay.url} shows them. */
export interface InspectorRelay {
  /** The address the relay listens on (the port the system chose, for port 0). */
  readonly address: RelayAddress;
  /** The page to open. */
  readonly url: string;
  /** Hands one inspection event (from `createInspector`) to every open page. */
  send(event: unknown): void;
  stop(): void;
}

/**
 * The page: the Stately inspector (from stately.ai) in an iframe, fed the events this process
 * streams to it as server-sent events. Mirrors `@statelyai/inspect/server`'s bridge page,
 * which does the same over a WebSocket.
 */
const page = `<!DOCTYPE html>
<html>
<head>
  <title>Switchyard — Stately Inspector</title>
  <style>* { margin: 0; padding: 0; } html, body { height: 100%; } iframe { width: 100%; height: 100%; border: none; }</style>
</head>
<body>
  <iframe id="inspector" src="https://stately.ai/inspect"></iframe>
  <script>
    const iframe = document.getElementById('inspector');
    const buffer = [];
    let connected = false;
    window.addEventListener('message', (e) => {
      if (e.data && e.data.type === '@statelyai.connected') {
        connected = true;
        for (const event of buffer) iframe.contentWindow.postMessage(event, '*');
        buffer.length = 0;
      }
    });
    new EventSource('/events').onmessage = (message) => {
      const event = JSON.parse(message.data);
      if (connected) iframe.contentWindow.postMessage(event, '*');
      else buffer.push(event);
    };
  </script>
</body>
</html>
`;

/** JSON of an inspection event; one with a cycle or a BigInt in it is written without them. */
function eventJson(event: unknown): string {
  try {
    return JSON.stringify(event);
  } catch {
    const seen = new WeakSet<object>();
    return JSON.stringify(event, (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (typeof value !== 'object' || value === null) return value;
      if (seen.has(value)) return '[Circular]';
      seen.add(value);
      return value;
    });
  }
}

/**
 * Starts the local relay between this process and the Stately inspector page: an HTTP server
 * on `host:port` (127.0.0.1 unless told otherwise, so other machines cannot watch the run)
 * serving the page and the events. A port in use or an address the machine does not have is
 * `UNSUPPORTED` naming it — never an uncaught `EADDRINUSE`.
 */
export async function startInspectorRelay(where: RelayAddress): Promise<InspectorRelay> {
  const backlog: Array<{ id: number; text: string }> = [];
  const clients = new Set<ServerResponse>();
  let next = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url !== '/events') {
      res
        .writeHead(req.url === '/' ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' })
        .end(req.url === '/' ? page : 'Not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    // A reconnecting page says what it has seen; send only what came after.
    const seen = Number(req.headers['last-event-id'] ?? -1);
    for (const e of backlog) if (e.id > seen) res.write(`id: ${e.id}\ndata: ${e.text}\n\n`);
    clients.add(res);
    req.on('close', () => clients.delete(res));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? 'the port is in use (another inspector or server?); pick another with --inspect-port'
          : error.code === 'EADDRNOTAVAIL'
            ? 'this machine has no such address; give one of its own with --inspect-host'
            : error.code === 'EACCES'
              ? 'permission denied (ports below 1024 need privileges); pick another with --inspect-port'
              : error.message;
      reject(
        new SwitchyardError(
          ErrorCodes.UNSUPPORTED,
          `Cannot start the inspector server on ${where.host}:${where.port}: ${why}.`,
          { host: where.host, port: where.port, errno: error.code },
        ),
      );
    });
    server.listen(where.port, where.host, () => resolve());
  });
  // Past the start, a failing socket must not bring the run down.
  server.on('error', () => undefined);
  const { port } = server.address() as AddressInfo;
  const shown = where.host.includes(':') ? `[${where.host}]` : where.host;
  return {
    address: { host: where.host, port },
    url: `http://${shown === '0.0.0.0' || shown === '[::]' ? 'localhost' : shown}:${port}`,
    send(event) {
      const entry = { id: next++, text: eventJson(event) };
      backlog.push(entry);
      if (backlog.length > BACKLOG) backlog.shift();
      for (const res of clients) res.write(`id: ${entry.id}\ndata: ${entry.text}\n\n`);
    },
    stop() {
      for (const res of clients) res.end();
      server.close();
      server.closeAllConnections();
    },
  };
}
