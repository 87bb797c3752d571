import type { InspectionEvent } from 'xstate';
import type { Output } from './io.js';
import { startInspectorRelay } from './inspector-relay.js';
import { positiveInt } from './numeric-flags.js';

/** A running inspector: what to give the runtime, and how to stop it. */
export interface CliInspector {
  readonly inspect: (event: InspectionEvent) => void;
  stop(): void;
}

/** `--inspect`, `--inspect-port` and `--inspect-host`, for the commands that drive a run. */
export const inspectorFlags = {
  inspect: { type: 'boolean' },
  'inspect-port': { type: 'string' },
  'inspect-host': { type: 'string' },
} as const;

export const inspectorFlagsHelp = `  --inspect          run every task as an XState actor and stream them to the Stately
                     inspector through a local server (see --inspect-port); open the
                     printed address in a browser — the inspector UI loads from
                     stately.ai, so that page needs internet
  --inspect-port <n> port of the local inspector server (default 8080)
  --inspect-host <h> address it listens on (default 127.0.0.1: this machine only;
                     0.0.0.0 lets any machine that reaches this one watch the run)
`;

/**
 * Starts the inspector when `--inspect` was given; `undefined` otherwise. A port in use is
 * `UNSUPPORTED`, a bad port `USAGE_ERROR`.
 */
export async function inspectorFromFlags(
  values: { inspect?: boolean; 'inspect-port'?: string; 'inspect-host'?: string },
  io: Output,
): Promise<CliInspector | undefined> {
  if (!values.inspect) return undefined;
  const port = positiveInt('inspect-port', values['inspect-port'], 65_535) ?? 8080;
  const relay = await startInspectorRelay({ host: values['inspect-host'] ?? '127.0.0.1', port });
  const { createInspector } = await import('@statelyai/inspect');
  const inspector = createInspector({ send: (event) => relay.send(event) });
  io.err(
    `Inspector: open ${relay.url} to watch the run (the Stately inspector UI it embeds loads from stately.ai and needs internet).\n`,
  );
  return {
    inspect: (event) => inspector.inspect.next?.(event),
    stop() {
      inspector.stop();
      relay.stop();
    },
  };
}
