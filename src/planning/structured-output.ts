import type OpenAI from 'openai';
import type { LlmMessage, LlmRequest, StructuredMode } from './llm-backend.js';

type ChatMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;
type ResponseFormat = NonNullable<OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming['response_format']>;
type JsonRequest = NonNullable<LlmRequest['json']>;

/** The order `structuredOutput: 'auto'` tries: the strongest guarantee first, the plain instruction last. */
export const STRUCTURED_FALLBACK: readonly StructuredMode[] = ['json_schema', 'json_object', 'none'];

/**
 * A name the OpenAI API accepts for a JSON Schema (`^[a-zA-Z0-9_-]{1,64}$`): the caller's
 * name with any other character replaced, so a name like `plan.v1` does not cost a 400.
 */
function schemaName(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9_-]/gu, '_').slice(0, 64);
  return cleaned.length > 0 ? cleaned : 'answer';
}

/** The `response_format` that asks for JSON in `mode`; `undefined` for `none`. */
export function responseFormat(mode: StructuredMode, json: JsonRequest): ResponseFormat | undefined {
  switch (mode) {
    case 'json_schema':
      // strict: false — strict mode demands a schema subset (every property required, no
      // additionalProperties) that most callers' schemas do not meet; the caller validates anyway.
      return {
        type: 'json_schema',
        json_schema: { name: schemaName(json.name), schema: { ...json.schema }, strict: false },
      };
    case 'json_object':
      return { type: 'json_object' };
    case 'none':
      return undefined;
    default:
      return mode satisfies never;
  }
}

/**
 * What the model must be told in words: nothing with a schema-enforcing server; the schema
 * with JSON mode (which only guarantees *some* JSON object, and on OpenAI requires the word
 * "JSON" in the messages); the schema and "JSON only" with no server support at all.
 */
function instruction(mode: StructuredMode, json: JsonRequest): string | undefined {
  const schema = JSON.stringify(json.schema);
  switch (mode) {
    case 'json_schema':
      return undefined;
    case 'json_object':
      return `Answer with one JSON object that matches this JSON Schema (${json.name}):\n${schema}`;
    case 'none':
      return `Answer with JSON only: no prose before or after it, no Markdown code fences. It must match this JSON Schema (${json.name}):\n${schema}`;
    default:
      return mode satisfies never;
  }
}

/**
 * The messages to send in `mode`. The instruction joins the first system message rather than
 * adding a second one, because several chat templates (Mistral, some Llama builds) refuse two
 * system messages or one that is not first.
 */
export function messagesFor(
  mode: StructuredMode,
  messages: readonly LlmMessage[],
  json: JsonRequest | undefined,
): ChatMessage[] {
  const out: ChatMessage[] = messages.map((m) => ({ role: m.role, content: m.content }));
  const extra = json === undefined ? undefined : instruction(mode, json);
  if (extra === undefined) return out;
  const first = messages[0];
  if (first?.role === 'system') {
    out[0] = { role: 'system', content: `${first.content}\n\n${extra}` };
    return out;
  }
  return [{ role: 'system', content: extra }, ...out];
}
