import { get } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startInspectorRelay, type InspectorRelay } from '../../src/cli/inspector-relay.js';
import { cliAsync } from '../helpers/cli.js';

const PLAN = 'examples/video-analysis/plan.json';
const AGENTS = fileURLToPath(new URL('../fixtures/agents/test-agents.ts', import.meta.url));

const stops: Array<() => void> = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
});

/** A server holding a port on 127.0.0.1, as another inspector would. */
async function occupiedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stops.push(() => server.close());
  return (server.address() as AddressInfo).port;
}

async function relay(): Promise<InspectorRelay> {
  const r = await startInspectorRelay({ host: '127.0.0.1', port: 0 });
  stops.push(() => r.stop());
  return r;
}

/** The body of a GET, or for /events the first event's data line. */
function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        if (url.endsWith('/events') && text.includes('\n\n')) {
          req.destroy();
          resolve(text);
        }
      });
      res.on('end', () => resolve(text));
    });
    req.on('error', reject);
  });
}

describe('switchyard run --inspect', () => {
  it('refuses a port in use with a coded error and exit 2, not an EADDRINUSE stack', async () => {
    const port = await occupiedPort();
    const result = await cliAsync('run', PLAN, '--agents', AGENTS, '--inspect', '--inspect-port', String(port));
    expect(result.err).toMatch(/^switchyard: UNSUPPORTED: /u);
    expect(result.err).not.toMatch(/\n\s+at /u);
    expect(result.code).toBe(2);
  });

  it('runs with the inspector on 127.0.0.1 and says where to open it', async () => {
    const port = await occupiedPort().then((p) => {
      stops.splice(0).forEach((stop) => stop()); // free it again: a port nobody uses now
      return p;
    });
    const result = await cliAsync(
      'run',
      PLAN,
      '--agents',
      AGENTS,
      '--inspect',
      '--inspect-port',
      String(port),
      '--json',
    );
    expect(result.err).toContain(`http://127.0.0.1:${port}`);
    expect(result.code).toBe(0);
  });
});

describe('the inspector relay', () => {
  it('listens on 127.0.0.1 unless told otherwise', async () => {
    const r = await relay();
    expect(r.address.host).toBe('127.0.0.1');
    expect(r.url).toBe(`http://127.0.0.1:${r.address.port}`);
  });

  it('serves the page that embeds the Stately inspector, and streams it the events sent', async () => {
    const r = await relay();
    expect(await fetchText(`${r.url}/`)).toContain('https://stately.ai/inspect');
    r.send({ type: '@xstate.event', sessionId: 'x:1', event: { type: 'DISPATCH' } });
    const stream = await fetchText(`${r.url}/events`);
    expect(JSON.parse(/^data: (.*)$/mu.exec(stream)?.[1] ?? 'null')).toMatchObject({
      sessionId: 'x:1',
      event: { type: 'DISPATCH' },
    });
  });

  it('writes an event with a cycle in it without the cycle', async () => {
    const r = await relay();
    const event: Record<string, unknown> = { type: '@xstate.event', sessionId: 'x:2' };
    event.self = event;
    r.send(event);
    const stream = await fetchText(`${r.url}/events`);
    expect(JSON.parse(/^data: (.*)$/mu.exec(stream)?.[1] ?? 'null')).toMatchObject({
      sessionId: 'x:2',
      self: '[Circular]',
    });
  });

  it('refuses an address the machine does not have with UNSUPPORTED', async () => {
    await expect(startInspectorRelay({ host: '192.0.2.1', port: 0 })).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });
});
