import { type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnChild } from './children.js';

/** A nats-server for a test: its URL, and how to stop or restart it. */
export interface TestNatsServer {
  readonly url: string;
  readonly port: number;
  /** Stops the server (SIGTERM, then waits for it to exit). */
  stop(): Promise<void>;
  /** Stops it and starts it again on the same port. */
  restart(downMs?: number): Promise<void>;
}

/** The nats-server binary: `$NATS_SERVER_BIN`, else on PATH, else the Debian package's. A test never skips for want of it. */
function binary(): string {
  const candidates = [
    process.env.NATS_SERVER_BIN,
    '/usr/sbin/nats-server',
    '/usr/bin/nats-server',
    '/usr/local/bin/nats-server',
  ].filter((p): p is string => !!p);
  for (const p of candidates) if (existsSync(p)) return p;
  try {
    return execFileSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(
      'nats-server is not installed: the NATS tests need the real server (Debian package nats-server; .ci/run installs it). They never skip.',
    );
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function accepting(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until)
      throw new Error(`nats-server did not accept connections on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Options of {@link startNatsServer}. */
export interface NatsServerOptions {
  /** A configuration file (`-c`); the address and port on the command line override its `listen`. */
  readonly config?: string;
  /** Extra environment for the server (a configuration's `$VARIABLES`, e.g. passwords). */
  readonly env?: Record<string, string>;
  /** A file the server logs to (`-l`): connections, and the permission violations it refused. */
  readonly log?: string;
}

/**
 * Starts a nats-server of its own on a free loopback port, with JetStream and a temporary
 * store directory, and stops it by its pid. Use it where a test stops or restarts the server;
 * {@link testNats} picks `$NATS_URL` instead when set. Should the test process exit without
 * stopping it (a timed-out test whose hooks did not run), the server is killed with it.
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<TestNatsServer> {
  const bin = binary();
  const port = await freePort();
  const store = mkdtempSync(join(tmpdir(), 'switchyard-nats-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    const config = options.config === undefined ? [] : ['-c', options.config];
    const log = options.log === undefined ? [] : ['-l', options.log];
    // Killed with this process at the latest, should a test file end without stopping it.
    const c = spawnChild(
      bin,
      [...config, ...log, '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', store],
      { stdio: 'ignore', env: { ...process.env, ...options.env } },
      'file',
    );
    child = c;
    const exited = new Promise<never>((_, reject) =>
      c.once('exit', (code) =>
        reject(
          new Error(
            `nats-server exited (${code}) before accepting connections; is ${options.config ?? 'its command line'} valid?`,
          ),
        ),
      ),
    );
    exited.catch(() => undefined);
    await Promise.race([accepting(port, 10_000), exited]);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    stop: async () => {
      await stop();
      rmSync(store, { recursive: true, force: true });
    },
    restart: async (downMs = 300) => {
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
  };
}

/** A server for tests that only connect: `$NATS_URL` when set, else one of their own. */
export async function testNats(): Promise<{ url: string; stop(): Promise<void> }> {
  const url = process.env.NATS_URL;
  if (url) return { url, stop: async () => undefined };
  return startNatsServer();
}
