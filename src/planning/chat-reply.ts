import { z } from 'zod';
import { ErrorCodes, type Result, SwitchyardError } from '../protocol/errors.js';
import { formatIssuePath } from '../protocol/parse.js';
import type { LlmResponse, LlmUsage, StructuredMode } from './llm-backend.js';

/** What a failure message names: where, and which model. */
export interface ReplyContext {
  readonly endpoint: string;
  readonly model: string;
}

const UsageSchema = z.object({
  prompt_tokens: z.number().int().nonnegative(),
  completion_tokens: z.number().int().nonnegative(),
  total_tokens: z.number().int().nonnegative().optional(),
});

/**
 * The part of a chat completion Switchyard reads. Lenient where servers differ (llama.cpp and
 * Ollama omit fields OpenAI sends); a malformed `usage` is dropped rather than failing an
 * otherwise good answer.
 */
const ChatCompletionSchema = z.object({
  model: z.string().optional(),
  choices: z.array(
    z.object({
      message: z.object({ content: z.string().nullish(), refusal: z.string().nullish() }),
      finish_reason: z.string().nullish(),
    }),
  ),
  usage: UsageSchema.nullish().catch(undefined),
});

const MAX_QUOTED = 300;

function quoted(text: string): string {
  return JSON.stringify(text.length > MAX_QUOTED ? `${text.slice(0, MAX_QUOTED)}…` : text);
}

function failed(ctx: ReplyContext, message: string, details: Record<string, unknown> = {}): Result<never> {
  return {
    ok: false,
    error: new SwitchyardError(ErrorCodes.LLM_FAILED, message, {
      endpoint: ctx.endpoint,
      model: ctx.model,
      ...details,
    }),
  };
}

function usageOf(usage: z.infer<typeof UsageSchema> | null | undefined): LlmUsage | undefined {
  if (!usage) return undefined;
  const { prompt_tokens: promptTokens, completion_tokens: completionTokens } = usage;
  return { promptTokens, completionTokens, totalTokens: usage.total_tokens ?? promptTokens + completionTokens };
}

/**
 * Reads a chat-completions reply body (as the client parsed it: an object for JSON, a string
 * for any other content type) into an {@link LlmResponse}, or the coded failure: `LLM_REFUSED`
 * for a refusal or a content filter, `LLM_FAILED` for anything that is not an answer.
 */
export function readReply(
  body: unknown,
  ctx: ReplyContext,
  structured: StructuredMode,
  latencyMs: number,
): Result<LlmResponse> {
  const parsed = ChatCompletionSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const what =
      typeof body === 'string'
        ? 'text that is not JSON'
        : `JSON that is not a chat completion (${issue ? `${formatIssuePath(issue.path)}: ${issue.message}` : 'unreadable'})`;
    return failed(
      ctx,
      `${ctx.endpoint} answered model ${ctx.model}'s request with ${what}. Check that the base URL points at an OpenAI-compatible API (it usually ends in /v1).`,
    );
  }
  const reply = parsed.data;
  const choice = reply.choices[0];
  if (choice === undefined) {
    return failed(
      ctx,
      `${ctx.endpoint} answered model ${ctx.model}'s request with no choices, so there is no answer to read. Try again, or check the server's log.`,
    );
  }
  const finishReason = choice.finish_reason ?? undefined;
  const refusal = choice.message.refusal;
  if ((typeof refusal === 'string' && refusal.length > 0) || finishReason === 'content_filter') {
    const why =
      typeof refusal === 'string' && refusal.length > 0
        ? `: ${quoted(refusal)}`
        : ' (its content filter stopped the answer)';
    return {
      ok: false,
      error: new SwitchyardError(
        ErrorCodes.LLM_REFUSED,
        `Model ${ctx.model} at ${ctx.endpoint} declined to answer${why}. Rephrase the request, or use another model.`,
        {
          endpoint: ctx.endpoint,
          model: ctx.model,
          ...(finishReason === undefined ? {} : { finishReason }),
          ...(typeof refusal === 'string' && refusal.length > 0 ? { refusal } : {}),
        },
      ),
    };
  }
  const text = choice.message.content;
  if (typeof text !== 'string') {
    return failed(
      ctx,
      `${ctx.endpoint} answered model ${ctx.model}'s request with no text (finish_reason ${finishReason ?? 'missing'}). Try again, or check the server's log.`,
      { finishReason },
    );
  }
  const usage = usageOf(reply.usage);
  return {
    ok: true,
    value: {
      text,
      model: reply.model ?? ctx.model,
      latencyMs,
      structured,
      ...(usage === undefined ? {} : { usage }),
      ...(finishReason === undefined ? {} : { finishReason }),
    },
  };
}
