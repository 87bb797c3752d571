import type { InspectionEvent } from 'xstate';
import type { Output } from './io.js';
import { positiveInt } from './numeric-flags.js';

/** A running inspector: what to give the runtime, and how to stop it. */
export interface CliInspector {
  readonly inspect: (event: InspectionEvent) => void;
  stop(): void;
}

/** `--inspect` and `--inspect-port`, for the commands that drive a run. */
export const inspectorFlags = {
  inspect: { type: 'boolean' },
  'inspect-port': { type: 'string' },
} as const;

export const inspectorFlagsHelp = `  --inspect          run every task as an XState actor and stream them to the Stately
                     inspector through a local server (see --inspect-port); open the
                     printed address in a browser — the inspector UI loads from
                     stately.ai, so that page needs internet
  --inspect-port <n> port of the local inspector server (default 8080)
`;

/** Starts the inspector when `--inspect` was given; `undefined` otherwise. */
export async function inspectorFromFlags(values: { inspect?: boolean; 'inspect-port'?: string }, io: Output): Promise<CliInspector | undefined> {
  if (!values.inspect) return undefined;
  return startInspector(positiveInt('inspect-port', values['inspect-port'], 65_535) ?? 8080, io);
}

/** A local inspector server and a WebSocket inspector feeding it (`@statelyai/inspect`). */
async function startInspector(port: number, io: Output): Promise<CliInspector> {
  const { createInspectorServer } = await import('@statelyai/inspect/server');
  const { createWebSocketInspector } = await import('@statelyai/inspect');
  const server = createInspectorServer({ port, autoOpen: false });
  const inspector = createWebSocketInspector({ url: `ws://localhost:${port}` });
  io.err(`Inspector: open http://localhost:${port} to watch the run (the Stately inspector UI it embeds loads from stately.ai and needs internet).\n`);
  return {
    inspect: (event) => inspector.inspect.next?.(event),
    stop() {
      inspector.stop();
      server.stop();
    },
  };
}
