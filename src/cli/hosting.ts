import { resolve } from 'node:path';
import { readPlan } from '../graph/plan-input.js';
import type { AgentModule } from '../pool/agent-factory.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import type { RouteRule } from '../protocol/routes.js';
import type { StateStore } from '../store/state-store.js';
import { parseAgentLimitFlags } from './agent-limit-flags.js';
import { dispatchOptions } from './dispatch-flags.js';
import { type FailSpec, parseFailFlags } from './fail-flags.js';
import { type CliInspector, inspectorFromFlags } from './inspector-flags.js';
import type { Output } from './io.js';
import { natsOptions } from './nats-flags.js';
import { nonNegativeInt, positiveInt, threadCount } from './numeric-flags.js';
import { openStore } from './open-store.js';
import { logLevel, type RunnerInfo, type SessionSpec, sessionBasics } from './run-session.js';

/** The flags a command that hosts a run reads (`run`, `dispatch`): the session's, the dispatch options, `--fail`. */
export interface HostingFlags {
  agents?: string[];
  threads?: string;
  concurrency?: string;
  prefetch?: string;
  timeout?: string;
  db?: string;
  nats?: string;
  'subject-prefix'?: string;
  policy?: string;
  'max-attempts'?: string;
  fail?: string[];
  'agent-limit'?: string[];
  'log-level'?: string;
  'log-file'?: string;
  'wait-runtimes'?: string;
  json?: boolean;
  'state-out'?: string;
  inspect?: boolean;
  'inspect-port'?: string;
  'inspect-host'?: string;
  [flag: string]: unknown;
}

/** `--fail` may name only tasks the plan has. (A plan that does not read is refused later, with the graph's own error.) */
function checkFaultsInPlan(plan: unknown, faults: Readonly<Record<string, FailSpec>>): void {
  const input = readPlan(plan);
  const unknown = input.ok ? Object.keys(faults).filter((id) => !input.value.tasks.some((t) => t.id === id)) : [];
  if (unknown.length > 0)
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      `--fail names ${unknown.join(', ')}, which the plan does not have.`,
      { task_ids: unknown },
    );
}

/** Handlers run here (`--agents`), or with `--threads 0` only in runtimes elsewhere, which take their own `--fail`. */
function checkHosting(
  command: string,
  threads: number,
  agents: readonly AgentModule[],
  faults: Readonly<Record<string, FailSpec>>,
): void {
  if (threads > 0 && agents.length === 0)
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      `\`switchyard ${command}\` needs --agents <module>: the handler module(s) to host (or --nats with --threads 0, when every runtime runs elsewhere). Run \`switchyard ${command} --help\` for usage.`,
    );
  if (threads === 0 && Object.keys(faults).length > 0) {
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      `--fail makes this process's own runtimes fail ${Object.keys(faults).join(', ')}, and with --threads 0 it has none. Give --fail to \`switchyard runtime\`, where the handlers run.`,
      { flag: 'fail' },
    );
  }
}

/** The inspector `--inspect` asks for; if it cannot start, the run never will, so the store opened for it is closed. */
async function inspectorOrCloseStore(
  values: HostingFlags,
  io: Output,
  store: StateStore | undefined,
): Promise<CliInspector | undefined> {
  try {
    return await inspectorFromFlags(values, io);
  } catch (error) {
    store?.close();
    throw error;
  }
}

/** A hosted session, but for how its run starts; and how it was started, to record for `resume`. */
export interface Hosting {
  readonly session: Omit<SessionSpec, 'start'>;
  readonly runner: RunnerInfo;
  readonly store: StateStore | undefined;
}

/** What a command hosts beside its `--agents` modules. */
export interface HostedExtras {
  /** Hosted after the `--agents` modules (so an agent of theirs with the same name takes that name's tasks). */
  readonly agents?: ReadonlyArray<NonNullable<RunnerInfo['agents']>[number]>;
  /** The routing table (recorded with the run, so a resume routes the same way). @default seed 003's */
  readonly routes?: readonly RouteRule[];
}

/**
 * What `run` and `dispatch` share: the runtime, the store (`--db`), NATS, the inspector and the
 * output, from their flags, with `extras` hosted too. Checks every flag before it opens
 * anything; bad ones are `USAGE_ERROR`.
 */
export async function hostingFromFlags(
  command: string,
  values: HostingFlags,
  plan: unknown,
  io: Output,
  extras: HostedExtras = {},
): Promise<Hosting> {
  const { policy, maxAttempts } = dispatchOptions(command, {
    policy: values.policy,
    'max-attempts': values['max-attempts'],
  });
  logLevel(values['log-level']); // checked before anything starts
  const faults = parseFailFlags(values.fail ?? []);
  checkFaultsInPlan(plan, faults);
  const agentLimits = parseAgentLimitFlags(values['agent-limit'] ?? []);
  const limited = Object.keys(agentLimits).length > 0;
  const nats = natsOptions(values, `switchyard-${command}`);
  const threads = threadCount(values.threads, nats !== undefined) ?? 2;
  const agents: NonNullable<RunnerInfo['agents']> = [
    ...(values.agents ?? []).map((a) => (a.startsWith('file:') ? a : resolve(a))),
    ...(extras.agents ?? []),
  ];
  checkHosting(command, threads, agents, faults);
  const concurrency = positiveInt('concurrency', values.concurrency) ?? 1;
  const prefetch = nonNegativeInt('prefetch', values.prefetch, 10_000);
  const timeout = positiveInt('timeout', values.timeout);
  const dbFile = values.db ?? process.env.SWITCHYARD_DB;
  const store = dbFile === undefined ? undefined : await openStore(dbFile, 'create');
  const inspector = await inspectorOrCloseStore(values, io, store);
  const runner: RunnerInfo = {
    agents,
    threads,
    concurrency,
    ...(prefetch === undefined ? {} : { prefetch }),
    ...(timeout === undefined ? {} : { timeout_ms: timeout }),
    ...(Object.keys(faults).length > 0 ? { faults } : {}),
    ...(limited ? { agent_limits: agentLimits } : {}),
  };
  const session: Omit<SessionSpec, 'start'> = {
    runtime: {
      ...(inspector ? { inspect: inspector.inspect } : {}),
      agents,
      pool: {
        maxThreads: threads,
        concurrentTasksPerWorker: concurrency,
        ...(prefetch === undefined ? {} : { prefetch }),
      },
      ...(values['subject-prefix'] ? { subjectPrefix: values['subject-prefix'] } : {}),
      ...(policy === undefined ? {} : { policy }),
      ...(extras.routes === undefined ? {} : { routes: extras.routes }),
      ...(maxAttempts === undefined ? {} : { maxAttempts }),
      ...(timeout === undefined ? {} : { taskTimeoutMs: timeout }),
      faults,
      ...(limited ? { agentLimits } : {}),
    },
    ...sessionBasics(values, store, nats),
    ...(inspector ? { inspector } : {}),
  };
  return { session, runner, store };
}
