import type { Logger } from 'pino';
import type { Dispatch } from '../protocol/dispatch-output.js';
import { ErrorCodes, isSwitchyardError } from '../protocol/errors.js';
import type { ProducedRef, ResolvedRef } from '../protocol/refs.js';
import { type ArtifactStorage, isRecoverableArtifactError } from '../storage/artifact-storage.js';
import { AgentError, type AgentContext } from './agent.js';
import type { LazyAbort } from './lazy-abort.js';

/** What every attempt's context in one worker shares. */
export interface ContextHost {
  /** The worker's logger; an attempt's child logger is made from it. */
  readonly logger: Logger;
  /** Sends a progress update for attempt `requestId` to the host. */
  progress(requestId: string, update: { percent?: number; message?: string }): void;
  /** Where `read` and `write` go: the run's artifact storage, one per worker. */
  readonly storage: ArtifactStorage;
}

type Progress = AgentContext['progress'];

const decoder = new TextDecoder();

/**
 * A storage failure as the `AgentError` a handler sees (and the attempt fails with, unless the
 * handler catches it): the storage's code, recoverable only when seed 003 calls it transient.
 */
function asAgentError(error: unknown): unknown {
  if (!isSwitchyardError(error)) return error;
  return new AgentError(error.code, error.message, {
    recoverable: isRecoverableArtifactError(error.code),
    cause: error,
  });
}

/**
 * The `ctx` a handler gets: one object per attempt, whose signal, child logger and progress
 * function are made only when first asked for. A class rather than an object literal with
 * getters and arrow functions made three closures over the attempt's scope per attempt, and
 * with them about half of all the worker allocated survived each minor collection (a full
 * collection every ~150 ms under no-op load). With this class, survival is under 10% and a
 * worker runs no-op attempts about twice as fast. Its getters live on the prototype, so
 * `{ ...ctx }` copies only the plain fields; read the others from `ctx`. `read` and `write`
 * are prototype methods too (call them on `ctx`), and the list of refs written is made only
 * by the first `write`.
 */
export class AttemptContext implements AgentContext {
  readonly inputs: readonly ResolvedRef[];
  readonly taskId: string;
  readonly attempt: number;
  readonly workflowId: string;
  readonly #host: ContextHost;
  readonly #abort: LazyAbort;
  readonly #requestId: string;
  readonly #agent: string;
  readonly #outputs: readonly string[];
  #logger: Logger | undefined;
  #progress: Progress | undefined;
  #written: ProducedRef[] | undefined;

  constructor(
    host: ContextHost,
    abort: LazyAbort,
    request: { readonly request_id: string; readonly workflow_id: string; readonly dispatch: Dispatch },
    agent: string,
  ) {
    this.#host = host;
    this.#abort = abort;
    this.#requestId = request.request_id;
    this.#agent = agent;
    this.inputs = request.dispatch.input_refs_resolved;
    this.#outputs = request.dispatch.output_refs_expected;
    this.taskId = request.dispatch.task_id;
    this.attempt = request.dispatch.attempt;
    this.workflowId = request.workflow_id;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  /** A function of its own (made on first use), so `const { progress } = ctx` works too. */
  get progress(): Progress {
    return (this.#progress ??= (update) => this.#host.progress(this.#requestId, update));
  }

  get logger(): Logger {
    return (this.#logger ??= this.#host.logger.child({
      task_id: this.taskId,
      attempt: this.attempt,
      agent: this.#agent,
    }));
  }

  /** {@link AgentContext.read}: `VALIDATION_ERROR` for a ref not among the inputs, `ARTIFACT_NOT_FOUND` for one with no URI. */
  async read(refId: string): Promise<Uint8Array> {
    const input = this.inputs.find((ref) => ref.ref_id === refId);
    if (!input) {
      const known = this.inputs.map((ref) => ref.ref_id).join(', ') || 'none';
      throw new AgentError(
        ErrorCodes.VALIDATION_ERROR,
        `${this.taskId} reads ${JSON.stringify(refId)}, which is not one of its input refs (${known}); read the refs its dispatch resolves.`,
        { recoverable: false },
      );
    }
    if (input.storage_uri === null)
      throw new AgentError(
        ErrorCodes.ARTIFACT_NOT_FOUND,
        `${this.taskId} reads input ref ${refId}, which has no storage URI (status ${input.status}): nothing produced it.`,
        { recoverable: false },
      );
    try {
      return await this.#host.storage.read(input.storage_uri);
    } catch (error) {
      throw asAgentError(error);
    }
  }

  /** {@link AgentContext.readText}. */
  async readText(refId: string): Promise<string> {
    return decoder.decode(await this.read(refId));
  }

  /** {@link AgentContext.write}: `VALIDATION_ERROR` for a ref the dispatch does not expect; the storage's codes otherwise. */
  async write(refId: string, data: Uint8Array | string, options?: { assetType?: string }): Promise<string> {
    if (!this.#outputs.includes(refId)) {
      const expected = this.#outputs.join(', ') || 'none';
      throw new AgentError(
        ErrorCodes.VALIDATION_ERROR,
        `${this.taskId} writes ${JSON.stringify(refId)}, which is not one of its output refs (${expected}); write only the refs its dispatch expects.`,
        { recoverable: false },
      );
    }
    let uri: string;
    try {
      uri = await this.#host.storage.write(this.workflowId, refId, data);
    } catch (error) {
      throw asAgentError(error);
    }
    const produced: ProducedRef = { ref_id: refId, storage_uri: uri };
    if (options?.assetType !== undefined) produced.asset_type = options.assetType;
    const written = (this.#written ??= []);
    const at = written.findIndex((ref) => ref.ref_id === refId);
    if (at >= 0) written[at] = produced;
    else written.push(produced);
    return uri;
  }

  /** The refs written through {@link write} so far (in the order first written), or undefined when none. */
  get written(): readonly ProducedRef[] | undefined {
    return this.#written;
  }
}

/**
 * `output` with the refs a handler wrote through `ctx.write` added to its
 * `output_refs_produced`, except those it returned itself (its own entry wins).
 */
export function withWrittenRefs<T extends { output_refs_produced?: ProducedRef[] }>(
  output: T,
  written: readonly ProducedRef[] | undefined,
): T {
  if (!written) return output;
  const own = output.output_refs_produced ?? [];
  const added = written.filter((ref) => !own.some((o) => o.ref_id === ref.ref_id));
  return added.length === 0 ? output : { ...output, output_refs_produced: [...own, ...added] };
}
