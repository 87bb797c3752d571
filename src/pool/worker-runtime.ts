import { type Logger, pino } from 'pino';
import { parseWith } from '../protocol/parse.js';
import { type AgentDefinition, AgentError } from './agent.js';
import { type AgentFactoryEnv, agentsOfModule } from './agent-factory.js';
import { AttemptContext, type ContextHost, withWrittenRefs } from './attempt-context.js';
import { portChildProcesses } from './child-processes.js';
import { LazyAbort } from './lazy-abort.js';
import { claimSlot } from './worker-slots.js';
import { withFaults } from './with-faults.js';
import type { MessagePort } from 'node:worker_threads';
import type { ArtifactStorage } from '../storage/artifact-storage.js';
import { storageFromDescriptor } from '../storage/file-storage.js';
import { decodeRequest, encodeOutcome, type Outcome, REQUEST_SLOTS } from './attempt-wire.js';
import {
  AgentOutputSchema,
  type ExecuteRequest,
  type HostToWorker,
  type WireError,
  type WorkerApi,
  type WorkerData,
  type WorkerToHost,
} from './worker-protocol.js';

type Hello =
  | {
      type: 'switchyard:runtime';
      runtime_id: string;
      thread_id: number;
      agents: Array<{ agent_id: string; capabilities: string[] }>;
      capacity: number;
      concurrency: number;
    }
  | { type: 'switchyard:failed'; thread_id: number; error: WireError };

function wireError(error: unknown, fallbackCode: string): WireError {
  if (error instanceof AgentError)
    return {
      name: error.name,
      code: error.code,
      message: error.message,
      recoverable: error.recoverable,
      ...(error.stack ? { stack: error.stack } : {}),
    };
  if (error instanceof Error) {
    const { code, recoverable } = error as { code?: unknown; recoverable?: unknown };
    return {
      name: error.name,
      code: typeof code === 'string' ? code : fallbackCode,
      message: error.message,
      recoverable: typeof recoverable === 'boolean' ? recoverable : true,
      ...(error.stack ? { stack: error.stack } : {}),
    };
  }
  return { name: 'Error', code: fallbackCode, message: String(error), recoverable: true };
}

function failed(error: WireError): Outcome {
  return { ok: false, error };
}

async function importModule(spec: string): Promise<unknown> {
  return import(spec.startsWith('file:') || spec.startsWith('node:') ? spec : new URL(spec, 'file:///').href);
}

/**
 * The agents of the handler modules, by name; each wrapped with {@link withFaults} when the
 * pool was given faults to inject (a demo or a drill), and as they are otherwise.
 */
async function loadAgents(
  data: WorkerData,
  env: Omit<AgentFactoryEnv, 'module'>,
): Promise<{ agents: Map<string, AgentDefinition>; loaded: AgentDefinition[] }> {
  const agents = new Map<string, AgentDefinition>();
  // As loaded, before withFaults wraps them: what shutdown closes.
  const loaded: AgentDefinition[] = [];
  const { faults } = data;
  for (const entry of data.modules) {
    const { module: spec, options } = typeof entry === 'string' ? { module: entry, options: undefined } : entry;
    for (const agent of await agentsOfModule(await importModule(spec), spec, options, { ...env, module: spec })) {
      loaded.push(agent);
      agents.set(agent.name, faults ? withFaults(agent, faults) : agent);
    }
  }
  return { agents, loaded };
}

/**
 * The agent runtime inside one worker thread: loads the handler modules, exposes
 * {@link WorkerApi}, heartbeats to the host. Returns the registration to post (or why loading failed).
 */
export async function startWorkerRuntime(
  data: WorkerData,
  threadId: number,
  expose: (api: WorkerApi) => void,
  channel: MessagePort,
): Promise<Hello> {
  // A slot, not the thread id: a replacement for a dead worker comes back under the same id.
  const runtimeId = `${data.runtimePrefix}-t${claimSlot(data.slots, threadId)}`;
  const logger = pino(
    { level: data.logLevel, base: { runtime_id: runtimeId } },
    pino.destination({ dest: 2, sync: false }),
  );
  let agents: Map<string, AgentDefinition>;
  let loaded: AgentDefinition[];
  try {
    ({ agents, loaded } = await loadAgents(data, { runtimeId, logger, children: portChildProcesses(channel) }));
  } catch (error) {
    return { type: 'switchyard:failed', thread_id: threadId, error: wireError(error, 'INVALID_INPUT') };
  }
  const runtime = new WorkerRuntime(data, agents, logger, channel, loaded);
  expose({ shutdown: () => runtime.shutdown() });
  return {
    type: 'switchyard:runtime',
    runtime_id: runtimeId,
    thread_id: threadId,
    agents: [...agents.values()].map((a) => ({ agent_id: a.name, capabilities: [...a.capabilities] })),
    capacity: data.capacity + data.prefetch,
    concurrency: data.capacity,
  };
}

/**
 * One worker's runtime once its agents are loaded: runs up to `data.capacity` attempts at once,
 * holds the rest in order, sends their outcomes back batched per turn, and heartbeats.
 */
class WorkerRuntime implements ContextHost {
  readonly #data: WorkerData;
  readonly #agents: Map<string, AgentDefinition>;
  readonly #channel: MessagePort;
  /** The agents as their modules made them (before withFaults): what shutdown closes. */
  readonly #loaded: readonly AgentDefinition[];
  readonly #running = new Map<string, { abort: LazyAbort; done: Promise<unknown> }>();
  /** Attempts received beyond `data.capacity` running, oldest first: each starts as one running ends. */
  readonly #held: Array<{ seq: number; request: ExecuteRequest }> = [];
  /** Outcomes that finish within one turn go back in one message. */
  #outbox: unknown[] = [];
  readonly #beat: NodeJS.Timeout;
  /** {@link ContextHost.storage}: the host's storage, rebuilt in this thread from its descriptor. */
  readonly storage: ArtifactStorage;

  constructor(
    data: WorkerData,
    agents: Map<string, AgentDefinition>,
    readonly logger: Logger,
    channel: MessagePort,
    loaded: readonly AgentDefinition[] = [],
  ) {
    this.#data = data;
    this.#loaded = loaded;
    this.#agents = agents;
    this.#channel = channel;
    this.storage = storageFromDescriptor(data.artifacts);
    // Node's timers, not a Scheduler: this runs inside a worker thread, and a scheduler (an
    // object with functions and its own pending timers) cannot cross to it. The host's side of
    // time — deadlines, when a heartbeat was seen — goes through the host's scheduler.
    this.#beat = setInterval(
      () =>
        channel.postMessage({
          type: 'heartbeat',
          in_flight: this.#running.size + this.#held.length,
        } satisfies WorkerToHost),
      data.heartbeatMs,
    );
    this.#beat.unref();
    channel.on('message', (message: HostToWorker) => this.#onMessage(message));
  }

  /** {@link ContextHost.progress}: outcomes already finished go first, so the host sees progress in order. */
  progress(requestId: string, update: { percent?: number; message?: string }): void {
    this.#flush();
    this.#channel.postMessage({ type: 'progress', request_id: requestId, update } satisfies WorkerToHost);
  }

  /** {@link WorkerApi.shutdown}. */
  async shutdown(): Promise<void> {
    clearInterval(this.#beat);
    while (this.#held.length > 0) this.#dropHeld(this.#held.length - 1, 'the runtime is shutting down');
    this.#flush();
    for (const r of this.#running.values()) r.abort.abort('the runtime is shutting down');
    await Promise.allSettled([...this.#running.values()].map((r) => r.done));
    await this.#closeAgents();
    this.logger.flush();
    this.#channel.close();
  }

  /** Each agent's `close`, once, after its attempts have settled; a failure is logged, not thrown. */
  async #closeAgents(): Promise<void> {
    const closing = this.#loaded.map(async (agent) => {
      try {
        await agent.close?.();
      } catch (error) {
        this.logger.error({ err: error, agent: agent.name }, 'agent close failed');
      }
    });
    await Promise.all(closing);
  }

  #onMessage(message: HostToWorker): void {
    switch (message.type) {
      case 'execute':
        for (let at = 0; at < message.batch.length; at += REQUEST_SLOTS) {
          const { seq, request } = decodeRequest(message.batch, at);
          // `run` registers the attempt in `running` before it awaits anything.
          if (this.#running.size < this.#data.capacity) this.#start(seq, request);
          else this.#held.push({ seq, request });
        }
        break;
      case 'cancel': {
        const at = this.#held.findIndex((h) => h.request.request_id === message.request_id);
        if (at >= 0) this.#dropHeld(at, 'cancelled by the dispatcher');
        else this.#running.get(message.request_id)?.abort.abort('cancelled by the dispatcher');
        break;
      }
      case 'reclaim': {
        const wanted = new Set(message.request_ids);
        for (let at = this.#held.length - 1; at >= 0; at--) {
          if (!wanted.has(this.#held[at].request.request_id)) continue;
          const [{ seq }] = this.#held.splice(at, 1);
          this.#send(seq, { ok: false, reclaimed: true });
        }
        break;
      }
      default:
        this.logger.error({ message }, 'unknown message on the data channel');
    }
  }

  async #run(request: ExecuteRequest): Promise<Outcome> {
    const agent = this.#agents.get(request.agent_id);
    if (!agent) {
      return failed({
        name: 'SwitchyardError',
        code: 'CAPABILITY_NOT_AVAILABLE',
        message: `This runtime has no agent named ${request.agent_id}.`,
        recoverable: false,
      });
    }
    const abort = new LazyAbort();
    const d = request.dispatch;
    const context = new AttemptContext(this, abort, request, agent.name);
    const done = (async () => agent.handle(d, context))();
    this.#running.set(request.request_id, { abort, done });
    try {
      const output = await done;
      const parsed = parseWith(AgentOutputSchema, output ?? {}, `result of ${agent.name} for ${d.task_id}`);
      if (!parsed.ok)
        return failed({
          name: 'SwitchyardError',
          code: 'INVALID_AGENT_OUTPUT',
          message: parsed.error.message,
          recoverable: false,
        });
      return { ok: true, output: withWrittenRefs(parsed.value, context.written) };
    } catch (error) {
      if (abort.aborted && !(error instanceof AgentError)) {
        return failed({
          name: 'AbortError',
          code: 'ABORTED',
          message: `${d.task_id} attempt ${d.attempt} was aborted: ${String(abort.reason ?? 'cancelled')}.`,
          recoverable: true,
        });
      }
      context.logger.debug({ err: error }, 'handler failed');
      return failed(wireError(error, 'HANDLER_ERROR'));
    } finally {
      this.#running.delete(request.request_id);
    }
  }

  readonly #flush = (): void => {
    if (this.#outbox.length === 0) return;
    const batch = this.#outbox;
    this.#outbox = [];
    this.#channel.postMessage({ type: 'results', batch } satisfies WorkerToHost);
  };

  #send(seq: number, outcome: Outcome): void {
    const first = this.#outbox.length === 0;
    encodeOutcome(this.#outbox, seq, outcome);
    // The last attempt running (none held) goes back at once; under load, those of one turn go together.
    if (first && this.#running.size === 0 && this.#held.length === 0) this.#flush();
    else if (first) setImmediate(this.#flush);
  }

  /** Starts what is held while there is room, in the order it came. */
  #startHeld(): void {
    while (this.#running.size < this.#data.capacity && this.#held.length > 0) {
      const { seq, request } = this.#held.shift() as { seq: number; request: ExecuteRequest };
      this.#start(seq, request);
    }
  }

  #start(seq: number, request: ExecuteRequest): void {
    void this.#run(request).then((outcome) => {
      this.#send(seq, outcome);
      this.#startHeld();
    });
  }

  /** An attempt dropped before it started: it ends as aborted, its handler never called. */
  #dropHeld(at: number, reason: string): void {
    const [{ seq, request }] = this.#held.splice(at, 1);
    const d = request.dispatch;
    this.#send(seq, {
      ok: false,
      error: {
        name: 'AbortError',
        code: 'ABORTED',
        message: `${d.task_id} attempt ${d.attempt} was aborted before it started: ${reason}.`,
        recoverable: true,
      },
    });
  }
}
