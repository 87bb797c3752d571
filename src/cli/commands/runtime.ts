import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { ErrorCodes, SwitchyardError } from '../../protocol/errors.js';
import { assertSubjectToken, subjects as subjectBuilders } from '../../protocol/subjects.js';
import { type AgentHost, type AgentHostOptions, startAgentHost } from '../../runtime/agent-host.js';
import type { StorageDescriptor } from '../../storage/artifact-storage.js';
import { fileStorage, workerStorage } from '../../storage/file-storage.js';
import { parseCommandArgs, positionals } from '../args.js';
import type { Output } from '../io.js';
import { cliLogger } from '../logger.js';
import { failFlagHelp, parseFailFlags } from '../fail-flags.js';
import { connectNats, natsFlags, natsFlagsHelp, natsOptions } from '../nats-flags.js';
import { logLevel, nonNegativeInt, positiveInt } from '../run-session.js';

export const runtimeHelp = `Usage: switchyard runtime --nats <url> --agents <module> [options]

A standalone agent runtime host, for another machine or process: it loads the handler
modules into worker threads (the same modules as embedded mode), registers each worker as
an agent runtime with the dispatcher over NATS, heartbeats, runs the TriggerAgent commands
it is given and sends back their results (sent again until acknowledged). On SIGTERM or
SIGINT it stops taking work, lets what runs finish for --drain-ms, hands back the rest (it
is retried elsewhere), deregisters and exits 0.

  --agents <module>  a handler module exporting defineAgent(...) or a list (repeatable)
  --threads <n>      worker threads, one agent runtime each (default 2)
  --runtime-prefix <p> names the runtimes <p>-t1 … <p>-t<threads> (a worker that dies is
                     replaced under its id), so NATS permissions can name them
                     (docs/nats/locked-down.conf); default <host>-<pid>, unique per process.
                     Give each process its own prefix.
  --concurrency <n>  attempts one worker runs at once (default 1)
  --prefetch <n>     attempts one worker holds beyond those, each started as one ends
                     (default: the larger of 4 and --concurrency; 0 turns it off)
  --timeout <ms>     deadline of an attempt whose trigger states none (default 300000)
  --heartbeat-ms <n> how often each runtime heartbeats (default 1000)
  --drain-ms <n>     on SIGTERM, how long running attempts may take to finish (default 10000)
  --artifacts <dir>  where handlers' ctx.write puts artifacts, a directory per run, and
                     what ctx.read reads (default ./.switchyard/artifacts)
  --log-level <l>    pino level on stderr (default info)
${failFlagHelp}                     (in this process's runtimes: seed 003's Example 4 across machines)
${natsFlagsHelp}`;

/** Starts the host on its connected bus; a host that cannot start closes the bus before the error goes on. */
async function startHostOrCloseBus(options: AgentHostOptions): Promise<AgentHost> {
  try {
    return await startAgentHost(options);
  } catch (error) {
    await options.bus.close();
    throw error;
  }
}

/** `--artifacts <dir>` as the storage the worker threads build: a file storage under it (checked: `INVALID_INPUT` for an empty one). */
function artifactsFlag(dir: string | undefined): StorageDescriptor {
  const storage = dir === undefined ? undefined : fileStorage({ root: dir });
  return workerStorage(storage, process.cwd());
}

/** The first SIGTERM or SIGINT this process gets. */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise<NodeJS.Signals>((done) => {
    process.once('SIGTERM', () => done('SIGTERM'));
    process.once('SIGINT', () => done('SIGINT'));
  });
}

/** `switchyard runtime`: runs until a signal stops it; the returned status is the exit status. */
export async function runtimeCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals: given } = parseCommandArgs('runtime', argv, {
    ...natsFlags,
    agents: { type: 'string', multiple: true },
    threads: { type: 'string' },
    'runtime-prefix': { type: 'string' },
    concurrency: { type: 'string' },
    prefetch: { type: 'string' },
    timeout: { type: 'string' },
    'heartbeat-ms': { type: 'string' },
    'drain-ms': { type: 'string' },
    artifacts: { type: 'string' },
    'log-level': { type: 'string' },
    fail: { type: 'string', multiple: true },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(runtimeHelp);
    return 0;
  }
  positionals('runtime', given, []);
  if (!values.agents || values.agents.length === 0)
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      '`switchyard runtime` needs --agents <module>: the handler module(s) to host. Run `switchyard runtime --help` for usage.',
    );
  const host = hostname().replace(/[.*>\s]/gu, '_');
  const runtimePrefix = values['runtime-prefix'] ?? `${host}-${process.pid}`;
  assertSubjectToken('--runtime-prefix', runtimePrefix);
  const options = natsOptions(values, `switchyard-runtime-${host}-${process.pid}`);
  if (!options)
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      '`switchyard runtime` needs --nats <url> (or $NATS_URL): the server the dispatcher listens on.',
    );
  const drainMs = nonNegativeInt('drain-ms', values['drain-ms']) ?? 10_000;
  const logger = cliLogger(logLevel(values['log-level'] ?? 'info'), io.errIsTTY ?? false);
  const threads = positiveInt('threads', values.threads) ?? 2;
  const concurrency = positiveInt('concurrency', values.concurrency) ?? 1;
  const prefetch = nonNegativeInt('prefetch', values.prefetch);
  const heartbeatMs = positiveInt('heartbeat-ms', values['heartbeat-ms']) ?? 1000;
  const taskTimeoutMs = positiveInt('timeout', values.timeout) ?? 300_000;
  const faults = parseFailFlags(values.fail ?? []);
  const subjects = subjectBuilders(values['subject-prefix']);
  const artifacts = artifactsFlag(values.artifacts);
  const bus = await connectNats(options);
  const agentHost = await startHostOrCloseBus({
    bus,
    subjects,
    logger,
    clock: Date.now,
    agents: values.agents.map((a) => (a.startsWith('file:') ? a : resolve(a))),
    maxThreads: threads,
    concurrentTasksPerWorker: concurrency,
    ...(prefetch === undefined ? {} : { prefetch }),
    heartbeatMs,
    taskTimeoutMs,
    killGraceMs: 2000,
    runtimePrefix,
    ...(Object.keys(faults).length > 0 ? { faults } : {}),
    artifacts,
  });
  const ids = agentHost.pool.runtimes().map((r) => r.runtimeId);
  logger.info({ runtimes: ids, servers: options.servers, threads, concurrency }, 'runtime host ready');
  io.err(
    `switchyard runtime: ${ids.length} runtime${ids.length === 1 ? '' : 's'} registered (${ids.join(', ')}) on ${[options.servers].flat().join(', ')}; SIGTERM or Ctrl-C stops them.\n`,
  );
  const signal = await stopSignal();
  const running = agentHost.runtimes.inFlight;
  io.err(
    `switchyard runtime: ${signal}: finishing ${running} running attempt${running === 1 ? '' : 's'} (up to ${drainMs} ms), then deregistering.\n`,
  );
  await agentHost.close({ drainMs });
  await bus.close();
  return 0;
}
