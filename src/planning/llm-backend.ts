import type { Result } from '../protocol/errors.js';

/** One chat message sent to a model. */
export interface LlmMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** How a backend asked the server for JSON. */
export type StructuredMode = 'json_schema' | 'json_object' | 'none';

/** One completion request. */
export interface LlmRequest {
  readonly messages: readonly LlmMessage[];
  /**
   * Ask for a JSON answer matching `schema` (a JSON Schema object): structured output where the
   * server supports it, JSON mode or a plain instruction otherwise. The answer is still text;
   * the caller validates it.
   */
  readonly json?: { readonly name: string; readonly schema: Readonly<Record<string, unknown>> };
  /** @default 0 (the most repeatable answer the server gives) */
  readonly temperature?: number;
  readonly maxTokens?: number;
  /** Aborts the request (and its retries). */
  readonly signal?: AbortSignal;
}

/** Tokens a request used, as the server reports them. */
export interface LlmUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
}

/** A model's answer. */
export interface LlmResponse {
  /** The answer's text (for a JSON request, the JSON text as the model wrote it). */
  readonly text: string;
  /** The model the server says answered. */
  readonly model: string;
  readonly usage?: LlmUsage;
  /** Milliseconds from the request to the answer, retries included. */
  readonly latencyMs: number;
  /** The server's `finish_reason` (`stop`, `length`, …). */
  readonly finishReason?: string;
  /** How JSON was asked for: `json_schema` (structured output), `json_object` (JSON mode) or `none`. */
  readonly structured: StructuredMode;
}

/**
 * A language model behind a chat-completions style API. Switchyard ships one implementation,
 * `openAiCompatible(...)` (OpenAI, Ollama, vLLM, llama.cpp server, LM Studio); other providers
 * plug in by implementing this.
 *
 * `complete` never throws: a failure is a coded error — `REQUEST_TIMEOUT` past the timeout,
 * `LLM_FAILED` when the server cannot be reached or answers with an error beyond its retries,
 * `LLM_REFUSED` when the model declines to answer.
 */
export interface LlmBackend {
  /** Where it talks to, for reports and logs (a base URL, never a key). */
  readonly endpoint: string;
  /** The model asked for. */
  readonly model: string;
  complete(request: LlmRequest): Promise<Result<LlmResponse>>;
}
