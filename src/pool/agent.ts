import type { Logger } from 'pino';
import { z } from 'zod';
import type { Dispatch } from '../protocol/dispatch-output.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { parseWith } from '../protocol/parse.js';
import type { ProducedRef, ResolvedRef } from '../protocol/refs.js';

/** What a handler gets beside the dispatch. Read its members from it: `{ ...ctx }` copies only the plain fields. */
export interface AgentContext {
  /** Aborted when the attempt times out, is cancelled, or the runtime shuts down. */
  readonly signal: AbortSignal;
  /** Reports progress (shown in run events; no effect on the outcome). */
  progress(update: { percent?: number; message?: string }): void;
  /** A pino child logger bound to the task, attempt and agent. */
  readonly logger: Logger;
  /** The resolved input refs, with their storage URIs. */
  readonly inputs: readonly ResolvedRef[];
  readonly taskId: string;
  readonly attempt: number;
  readonly workflowId: string;
  /** The content of input ref `refId` (one of `inputs`), read through the run's storage from its storage URI. */
  read(refId: string): Promise<Uint8Array>;
  /** The same, decoded as UTF-8. */
  readText(refId: string): Promise<string>;
  /** Stores `data` as output ref `refId` (one of the dispatch's output refs) in the run's storage and resolves with its storage URI. The ref is added to the result's output_refs_produced unless the handler returns it itself. */
  write(refId: string, data: Uint8Array | string, options?: { assetType?: string }): Promise<string>;
}

/** What a handler returns when it succeeds. */
export interface AgentOutput {
  /** The refs it produced, with their storage URIs (declared output refs only). */
  output_refs_produced?: ProducedRef[];
  /** A sentence for `result_summary`. */
  summary?: string;
  /** Tokens spent on a language model, if the handler used one: carried on the result as `usage`. */
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number; model?: string };
}

/** An agent: its name (the routing target, e.g. `execution_agent`), the capabilities it serves, its handler. */
export interface AgentDefinition {
  readonly name: string;
  /** Capability ids or prefix patterns ending in `*` (`CAP-ACQ-*`); `*` alone serves every capability. */
  readonly capabilities: readonly string[];
  handle(dispatch: Dispatch, context: AgentContext): AgentOutput | Promise<AgentOutput>;
  /**
   * Releases what the agent holds (connections, child processes): called once when the worker
   * thread hosting it shuts down, after its running attempts have settled. A throw is logged.
   */
  close?(): Promise<void> | void;
}

const AgentDefinitionSchema = z.object({
  name: z.string().regex(/^[^.*>\s]+$/u, 'an agent name may not contain `.`, `*`, `>` or whitespace'),
  capabilities: z.array(z.string().regex(/^[^\s*]*\*?$/u, 'a capability is an id or a prefix ending in *')).min(1),
  handle: z.custom<AgentDefinition['handle']>((v) => typeof v === 'function', 'handle must be a function'),
  close: z.custom<AgentDefinition['close']>((v) => typeof v === 'function', 'close must be a function').optional(),
});

/**
 * Declares an agent handler module's export. Checked at once: a bad definition is an
 * `INVALID_INPUT` error naming the field, when the module loads.
 *
 * @example
 * export default defineAgent({
 *   name: 'execution_agent',
 *   capabilities: ['CAP-ACQ-*', 'CAP-PRE-*'],
 *   async handle(dispatch, ctx) {
 *     ctx.progress({ message: 'downloading' });
 *     return { output_refs_produced: [{ ref_id: 'store_1', storage_uri: 'file:///data/store_1.mp4' }], summary: 'downloaded' };
 *   },
 * });
 */
export function defineAgent(definition: AgentDefinition): AgentDefinition {
  const parsed = parseWith(AgentDefinitionSchema, definition, 'agent definition');
  if (!parsed.ok) throw parsed.error;
  return Object.freeze({ ...definition, capabilities: Object.freeze([...definition.capabilities]) });
}

/**
 * The error a handler throws to fail an attempt with a code and a say on retrying.
 * Any other thrown error counts as recoverable `HANDLER_ERROR`.
 *
 * @example
 * throw new AgentError('AUDIO_CORRUPT', 'The audio track cannot be decoded.', { recoverable: false });
 */
export class AgentError extends Error {
  override readonly name = 'AgentError';
  readonly code: string;
  readonly recoverable: boolean;

  constructor(code: string, message: string, options: { recoverable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.recoverable = options.recoverable;
  }
}

/** Collects the agent definitions a handler module exports (default: one agent or a list). */
export function agentsOf(module: unknown, source: string): AgentDefinition[] {
  const exported = (module as { default?: unknown } | null)?.default;
  const list = Array.isArray(exported) ? exported : exported === undefined ? [] : [exported];
  if (list.length === 0) {
    throw new SwitchyardError(
      ErrorCodes.INVALID_INPUT,
      `${source} has no default export; export defineAgent({...}) or a list of them.`,
      { module: source },
    );
  }
  return list.map((entry) => {
    try {
      return defineAgent(entry as AgentDefinition);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new SwitchyardError(ErrorCodes.INVALID_INPUT, `${source} exports an invalid agent: ${reason}`, {
        module: source,
      });
    }
  });
}
