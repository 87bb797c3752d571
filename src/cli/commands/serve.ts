import { resolve } from 'node:path';
import type { Bus } from '../../bus/bus.js';
import { ErrorCodes, SwitchyardError } from '../../protocol/errors.js';
import { createRuntime, type Runtime } from '../../runtime/create-runtime.js';
import type { Service } from '../../server/service.js';
import type { StateStore } from '../../store/state-store.js';
import { parseCommandArgs, positionals } from '../args.js';
import { builtInFlags, builtInFlagsHelp, hostedAgents } from '../built-in-flags.js';
import type { Output } from '../io.js';
import { llmFlags, llmFlagsHelp, llmFromFlags } from '../llm-flags.js';
import { type CliLogger, sessionLogger } from '../logger.js';
import { connectNats, natsFlags, natsFlagsHelp, natsOptions } from '../nats-flags.js';
import { positiveInt, threadCount, wholeNumber } from '../numeric-flags.js';
import { dbPath, openStore } from '../open-store.js';
import { logLevel } from '../run-session.js';

export const serveHelp = `Usage: switchyard serve [--port 7878] [--host 127.0.0.1] [--db runs.db] [--token t] [options]

Runs Switchyard as an HTTP service in one process: the runs API (submit a plan or a
specification, list, show, follow a run's steps as Server-Sent Events, cancel, resume,
cancel a task), the dispatch agent as POST /step, Prometheus metrics at /metrics and the
OpenAPI document at /openapi.json. Runs are recorded in the SQLite file and run on agents in
local worker threads (the built-in agents unless --agents names modules), or with --nats on
runtimes elsewhere too. Stops cleanly on Ctrl-C or SIGTERM: runs still going are recorded as
cancelled, and POST /runs/<id>/resume (or \`switchyard resume\`) continues them.

  --port <n>         the port (default 7878; 0 picks a free one)
  --host <addr>      the address to listen on (default 127.0.0.1: this machine only)
  --token <t>        refuse requests without \`Authorization: Bearer <t>\` (or $SWITCHYARD_TOKEN;
                     at least 16 characters). Without one, anyone who can reach the port can
                     start and cancel runs: keep it on loopback.
  --db <file>        the state database (default $SWITCHYARD_DB, else ./switchyard.db)
  --agents <module>  host these handler modules instead of the built-in agents (repeatable)
  --mcp <mcp.json>   the built-in MCP execution agent's config
${builtInFlagsHelp}  --threads <n>      worker threads (default 2; 0 with --nats: runtimes run elsewhere)
  --concurrency <n>  attempts one worker runs at once (default 1)
  --log-level <l>    fatal, error, warn (default), info, debug, trace
${natsFlagsHelp}${llmFlagsHelp}`;

const flags = {
  ...builtInFlags,
  ...natsFlags,
  ...llmFlags,
  port: { type: 'string' },
  host: { type: 'string' },
  token: { type: 'string' },
  db: { type: 'string' },
  agents: { type: 'string', multiple: true },
  mcp: { type: 'string' },
  threads: { type: 'string' },
  concurrency: { type: 'string' },
  'subject-prefix': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Resolves with the signal that asks the service to stop. */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolveSignal) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolveSignal(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

interface Opened {
  log?: CliLogger;
  store?: StateStore;
  bus?: Bus;
  rt?: Runtime;
  service?: Service;
}

async function closeAll(o: Opened): Promise<void> {
  await o.service?.close();
  await o.rt?.close({ cancel: true });
  await o.bus?.close();
  o.store?.close();
  o.log?.close();
}

/** `switchyard serve`. */
export async function serveCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals: given } = parseCommandArgs('serve', argv, flags);
  if (values.help) {
    io.out(serveHelp);
    return 0;
  }
  positionals('serve', given, []);
  const port = wholeNumber('port', values.port, 0, 65_535, '') ?? 7878;
  const host = values.host ?? '127.0.0.1';
  const token = values.token ?? process.env.SWITCHYARD_TOKEN;
  const level = logLevel(values['log-level']);
  const llm = llmFromFlags(values);
  const nats = natsOptions(values, 'switchyard-serve');
  const threads = threadCount(values.threads, nats !== undefined) ?? 2;
  const concurrency = positiveInt('concurrency', values.concurrency) ?? 1;
  if (token !== undefined && token.length < 16)
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      '--token must be at least 16 characters: use a generated secret (openssl rand -hex 24).',
      {
        flag: 'token',
      },
    );
  const hosted = await hostedAgents(values);
  const modules = (values.agents ?? []).map((a) => (a.startsWith('file:') ? a : resolve(a)));
  const opened: Opened = {};
  try {
    opened.log = sessionLogger(level, io);
    opened.store = await openStore(dbPath(values.db), 'create');
    opened.bus = nats ? await connectNats(nats) : undefined;
    opened.rt = await createRuntime({
      agents: [...modules, ...(hosted.agents ?? [])],
      ...(hosted.routes ? { routes: hosted.routes } : {}),
      pool: { maxThreads: threads, concurrentTasksPerWorker: concurrency },
      store: opened.store,
      ...(opened.bus ? { bus: opened.bus } : {}),
      ...(values['subject-prefix'] ? { subjectPrefix: values['subject-prefix'] } : {}),
      logger: opened.log.logger,
    });
    const { createService } = await import('../../server/service.js');
    opened.service = await createService({
      runtime: opened.rt,
      ...(token === undefined ? {} : { token }),
      ...(llm ? { llm } : {}),
      logger: opened.log.logger,
    });
    const url = await opened.service.listen({ port, host });
    io.err(
      `switchyard serve: listening on ${url} (runs in ${opened.store.location}${token ? '; bearer token required' : ''}); Ctrl-C stops\n`,
    );
    const signal = await stopSignal();
    io.err(
      `switchyard serve: ${signal} received, stopping; runs still going are recorded as cancelled and can be resumed\n`,
    );
    return 0;
  } finally {
    await closeAll(opened);
  }
}
