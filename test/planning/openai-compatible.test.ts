import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LlmRequest, LlmResponse } from '../../src/planning/llm-backend.js';
import { openAiCompatible, type OpenAiCompatibleOptions } from '../../src/planning/openai-compatible.js';
import type { Result, SwitchyardError } from '../../src/protocol/errors.js';
import { thrown } from '../helpers/errors.js';
import {
  closedPort,
  type OpenAiTestDouble,
  type OpenAiTestDoubleOptions,
  type ScriptEntry,
  startOpenAiTestDouble,
} from '../helpers/openai-test-double.js';

const KEY = 'sk-test-DISTINCTIVE-7f3a9c21e5';
const ASK: LlmRequest = { messages: [{ role: 'user', content: 'Split "ship the docs" into tasks.' }] };
const PLAN_SCHEMA = {
  type: 'object',
  properties: { tasks: { type: 'array', items: { type: 'string' } } },
  required: ['tasks'],
};
const ASK_JSON: LlmRequest = { ...ASK, json: { name: 'plan', schema: PLAN_SCHEMA } };

const doubles: OpenAiTestDouble[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.close()));
});

async function double(script: readonly ScriptEntry[], options?: OpenAiTestDoubleOptions): Promise<OpenAiTestDouble> {
  const d = await startOpenAiTestDouble(script, options);
  doubles.push(d);
  return d;
}

function backend(d: OpenAiTestDouble, options: Partial<OpenAiCompatibleOptions> = {}) {
  return openAiCompatible({ baseURL: d.baseURL, model: 'double-model', apiKey: KEY, maxRetries: 0, ...options });
}

function answer(result: Result<LlmResponse>): LlmResponse {
  if (!result.ok) throw new Error(`expected an answer, got ${result.error.code}: ${result.error.message}`);
  return result.value;
}

function failure(result: Result<LlmResponse>): SwitchyardError {
  if (result.ok) throw new Error(`expected a failure, got the answer ${JSON.stringify(result.value.text)}`);
  return result.error;
}

/** Everything a failure shows anyone: message, details, serialized form. */
function shown(error: SwitchyardError): string {
  return JSON.stringify(error.toJSON(true)) + error.message;
}

const rateLimited: ScriptEntry = {
  status: 429,
  error: { message: 'Rate limit reached', type: 'requests' },
  headers: { 'retry-after-ms': '1' },
};

describe('openAiCompatible against the OpenAI test double', () => {
  it('returns the answer with its usage, model, finish reason and latency from the injected clock', async () => {
    const d = await double([
      {
        content: 'three tasks',
        usage: { prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 },
        model: 'double-model-2024',
      },
    ]);
    const ticks = [1000, 1042.5];
    const llm = backend(d, { now: () => ticks.shift() ?? Number.NaN });
    const value = answer(await llm.complete({ ...ASK, maxTokens: 64 }));
    expect(value).toEqual({
      text: 'three tasks',
      model: 'double-model-2024',
      usage: { promptTokens: 12, completionTokens: 3, totalTokens: 15 },
      latencyMs: 42.5,
      finishReason: 'stop',
      structured: 'none',
    });
    expect(d.requests).toHaveLength(1);
    const sent = d.requests[0]!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.authorization).toBe(`Bearer ${KEY}`);
    expect(sent.body).toMatchObject({
      model: 'double-model',
      temperature: 0,
      max_tokens: 64,
      messages: [{ role: 'user', content: ASK.messages[0]!.content }],
    });
    expect(sent.body?.response_format).toBeUndefined();
  });

  it('sends extra headers, a caller temperature, and a placeholder key when none is configured', async () => {
    vi.stubEnv('OPENAI_API_KEY', '');
    try {
      const d = await double([{ content: 'ok' }]);
      const llm = openAiCompatible({
        baseURL: d.baseURL,
        model: 'double-model',
        headers: { 'x-gateway-route': 'planning' },
      });
      answer(await llm.complete({ ...ASK, temperature: 0.7 }));
      expect(d.requests[0]!.authorization).toBe('Bearer not-needed');
      expect(d.requests[0]!.headers['x-gateway-route']).toBe('planning');
      expect(d.requests[0]!.body?.temperature).toBe(0.7);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('asks for json_schema structured output, with the schema, when the request wants JSON', async () => {
    const d = await double([{ content: '{"tasks":["write","review"]}' }]);
    const value = answer(await backend(d).complete(ASK_JSON));
    expect(value.structured).toBe('json_schema');
    expect(value.text).toBe('{"tasks":["write","review"]}');
    expect(d.requests[0]!.body?.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'plan', schema: PLAN_SCHEMA, strict: false },
    });
    expect(d.requests[0]!.body?.messages).toEqual([{ role: 'user', content: ASK.messages[0]!.content }]);
  });

  it('falls back to json_object with the schema in the system message, and starts there on the next call', async () => {
    const d = await double([{ content: '{"tasks":[]}' }, { content: '{"tasks":["a"]}' }], {
      rejectResponseFormat: ['json_schema'],
    });
    const llm = backend(d);
    const request: LlmRequest = {
      ...ASK_JSON,
      messages: [{ role: 'system', content: 'You plan work.' }, ...ASK.messages],
    };
    expect(answer(await llm.complete(request)).structured).toBe('json_object');
    expect(answer(await llm.complete(request)).structured).toBe('json_object');
    expect(d.requests.map((r) => r.body?.response_format?.type)).toEqual(['json_schema', 'json_object', 'json_object']);
    const messages = d.requests[1]!.body?.messages ?? [];
    expect(messages).toHaveLength(2);
    expect(messages[0]!.role).toBe('system');
    expect(messages[0]!.content.startsWith('You plan work.')).toBe(true);
    expect(messages[0]!.content).toContain(JSON.stringify(PLAN_SCHEMA));
  });

  it('falls back json_schema → json_object → none, and remembers none for the next call', async () => {
    const d = await double([{ content: '{"tasks":[]}' }, { content: '{"tasks":["b"]}' }], {
      rejectResponseFormat: ['json_schema', 'json_object'],
    });
    const llm = backend(d);
    expect(answer(await llm.complete(ASK_JSON)).structured).toBe('none');
    expect(answer(await llm.complete(ASK_JSON)).structured).toBe('none');
    expect(d.requests.map((r) => r.body?.response_format?.type ?? 'none')).toEqual([
      'json_schema',
      'json_object',
      'none',
      'none',
    ]);
    const messages = d.requests[2]!.body?.messages ?? [];
    expect(messages[0]!.role).toBe('system');
    expect(messages[0]!.content).toContain(JSON.stringify(PLAN_SCHEMA));
    expect(messages[1]).toEqual({ role: 'user', content: ASK.messages[0]!.content });
  });

  it('uses only a fixed structuredOutput mode, and reports the refusal of it as LLM_FAILED with status 400', async () => {
    const d = await double([], { rejectResponseFormat: ['json_object'] });
    const error = failure(await backend(d, { structuredOutput: 'json_object' }).complete(ASK_JSON));
    expect(error.code).toBe('LLM_FAILED');
    expect(error.details).toMatchObject({ status: 400, endpoint: d.baseURL, model: 'double-model' });
    expect(d.requests).toHaveLength(1);
  });

  it('retries a 429 through the client and succeeds: the double saw two requests', async () => {
    const d = await double([rateLimited, { content: 'after the wait' }]);
    expect(answer(await backend(d, { maxRetries: 1 }).complete(ASK)).text).toBe('after the wait');
    expect(d.requests).toHaveLength(2);
  });

  it('gives up on 429 beyond its retries with LLM_FAILED naming the status and endpoint', async () => {
    const d = await double([rateLimited, rateLimited]);
    const error = failure(await backend(d, { maxRetries: 1 }).complete(ASK));
    expect(error.code).toBe('LLM_FAILED');
    expect(error.details).toMatchObject({ status: 429, endpoint: d.baseURL, model: 'double-model' });
    expect(error.message).toContain('429');
    expect(error.message).toContain(d.baseURL);
    expect(d.requests).toHaveLength(2);
  });

  it('reports a 500 as LLM_FAILED with status 500', async () => {
    const d = await double([{ status: 500, error: { message: 'CUDA out of memory', type: 'server_error' } }]);
    const error = failure(await backend(d).complete(ASK));
    expect(error.code).toBe('LLM_FAILED');
    expect(error.details).toMatchObject({ status: 500 });
  });

  it('reports a 401 as LLM_FAILED naming the key variable, and never shows the key, even when the server echoes it', async () => {
    const d = await double([
      {
        status: 401,
        error: {
          message: `Incorrect API key provided: ${KEY}.`,
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        },
      },
    ]);
    const error = failure(await backend(d).complete(ASK));
    expect(error.code).toBe('LLM_FAILED');
    expect(error.details).toMatchObject({ status: 401 });
    expect(error.message).toContain('OPENAI_API_KEY');
    expect(shown(error)).not.toContain(KEY);
  });

  it('reports a 404 from a base URL without /v1 as LLM_FAILED hinting at /v1', async () => {
    const d = await double([]);
    const error = failure(await backend(d, { baseURL: `${d.origin}/api` }).complete(ASK));
    expect(error.code).toBe('LLM_FAILED');
    expect(error.details).toMatchObject({ status: 404, endpoint: `${d.origin}/api` });
    expect(error.message).toContain('/v1');
  });

  it('answers REQUEST_TIMEOUT when the server hangs past timeoutMs', async () => {
    const d = await double([{ hang: true }]);
    const error = failure(await backend(d, { timeoutMs: 300 }).complete(ASK));
    expect(error.code).toBe('REQUEST_TIMEOUT');
    expect(error.details).toMatchObject({ endpoint: d.baseURL, model: 'double-model', timeoutMs: 300 });
  });

  it('answers LLM_REFUSED for a refusal and for a content filter stop', async () => {
    const d = await double([{ refusal: 'I cannot help with that.' }, { content: '', finishReason: 'content_filter' }]);
    const llm = backend(d);
    const refused = failure(await llm.complete(ASK));
    expect(refused.code).toBe('LLM_REFUSED');
    expect(refused.details).toMatchObject({ refusal: 'I cannot help with that.' });
    expect(failure(await llm.complete(ASK)).code).toBe('LLM_REFUSED');
  });

  it('answers LLM_FAILED for a broken body, a body that is not a completion, and a completion with no choices', async () => {
    const d = await double([
      { raw: '{"choices": [' },
      { raw: '{"hello": "world"}' },
      { raw: '{"model":"m","choices":[]}' },
      { raw: '{"choices":[{"message":{"content":[1]}}]}' },
    ]);
    const llm = backend(d);
    for (let i = 0; i < 4; i += 1) {
      const error = failure(await llm.complete(ASK));
      expect(error.code).toBe('LLM_FAILED');
      expect(error.details).toMatchObject({ endpoint: d.baseURL, model: 'double-model' });
    }
  });

  it('answers LLM_FAILED, retryable, when nothing listens at the base URL', async () => {
    const port = await closedPort();
    const llm = openAiCompatible({ baseURL: `http://127.0.0.1:${port}/v1`, model: 'm', maxRetries: 0 });
    const error = failure(await llm.complete(ASK));
    expect(error.code).toBe('LLM_FAILED');
    expect(error.details).toMatchObject({ endpoint: `http://127.0.0.1:${port}/v1`, model: 'm', retryable: true });
  });

  it('answers LLM_FAILED with aborted: true when the signal aborts mid-request or before it', async () => {
    const d = await double([{ hang: true }]);
    const llm = backend(d);
    const controller = new AbortController();
    const pending = llm.complete({ ...ASK, signal: controller.signal });
    await vi.waitFor(() => expect(d.requests).toHaveLength(1));
    controller.abort();
    const error = failure(await pending);
    expect(error.code).toBe('LLM_FAILED');
    expect(error.details).toMatchObject({ aborted: true });
    const early = failure(await llm.complete({ ...ASK, signal: AbortSignal.abort() }));
    expect(early.details).toMatchObject({ aborted: true });
    expect(d.requests).toHaveLength(1);
  });
});

describe('openAiCompatible options', () => {
  it.each<[string, Partial<OpenAiCompatibleOptions>]>([
    ['a base URL that is not a URL', { baseURL: 'localhost:11434' }],
    ['a base URL that is not http(s)', { baseURL: 'ftp://example.com/v1' }],
    ['an empty model', { model: '  ' }],
    ['a negative timeout', { timeoutMs: -1 }],
    ['a fractional retry count', { maxRetries: 1.5 }],
    ['an unknown structured mode', { structuredOutput: 'xml' as OpenAiCompatibleOptions['structuredOutput'] }],
  ])('throws INVALID_INPUT at construction for %s', (_, bad) => {
    expect(thrown(() => openAiCompatible({ baseURL: 'http://localhost:11434/v1', model: 'm', ...bad })).code).toBe(
      'INVALID_INPUT',
    );
  });

  it('refuses credentials in the base URL without showing them', () => {
    const error = thrown(() =>
      openAiCompatible({ baseURL: 'http://user:hunter2secret@localhost:11434/v1', model: 'm' }),
    );
    expect(error.code).toBe('INVALID_INPUT');
    expect(shown(error)).not.toContain('hunter2secret');
    expect(error.message).toContain('http://localhost:11434/v1');
  });

  it('reports the endpoint without a trailing slash, and never the key', () => {
    const llm = openAiCompatible({ baseURL: 'http://localhost:11434/v1/', model: 'llama3.1:8b', apiKey: KEY });
    expect(llm.endpoint).toBe('http://localhost:11434/v1');
    expect(llm.model).toBe('llama3.1:8b');
    expect(JSON.stringify(llm)).not.toContain(KEY);
  });
});
