import { afterEach, describe, expect, it } from 'vitest';
import type { LlmBackend } from '../../src/planning/llm-backend.js';
import { llmBackendFromEnv } from '../../src/planning/llm-config.js';
import type { Result, SwitchyardError } from '../../src/protocol/errors.js';
import { type OpenAiTestDouble, startOpenAiTestDouble } from '../helpers/openai-test-double.js';

function backend(result: Result<LlmBackend | undefined>): LlmBackend {
  if (!result.ok) throw new Error(`expected a backend, got ${result.error.code}: ${result.error.message}`);
  if (result.value === undefined) throw new Error('expected a backend, got none');
  return result.value;
}

function failure(result: Result<LlmBackend | undefined>): SwitchyardError {
  if (result.ok) throw new Error('expected a failure');
  return result.error;
}

let double: OpenAiTestDouble | undefined;
afterEach(async () => {
  await double?.close();
  double = undefined;
});

describe('llmBackendFromEnv', () => {
  it('configures no backend when no base URL is set anywhere', () => {
    expect(llmBackendFromEnv({ SWITCHYARD_LLM_MODEL: 'llama3.1:8b' })).toEqual({ ok: true, value: undefined });
    expect(llmBackendFromEnv({ SWITCHYARD_LLM_BASE_URL: '   ' })).toEqual({ ok: true, value: undefined });
  });

  it('reads SWITCHYARD_LLM_BASE_URL and SWITCHYARD_LLM_MODEL', () => {
    const llm = backend(
      llmBackendFromEnv({ SWITCHYARD_LLM_BASE_URL: 'http://localhost:11434/v1', SWITCHYARD_LLM_MODEL: 'llama3.1:8b' }),
    );
    expect(llm.endpoint).toBe('http://localhost:11434/v1');
    expect(llm.model).toBe('llama3.1:8b');
  });

  it('falls back to OPENAI_BASE_URL, and SWITCHYARD_LLM_BASE_URL wins over it', () => {
    expect(
      backend(llmBackendFromEnv({ OPENAI_BASE_URL: 'https://api.openai.com/v1', SWITCHYARD_LLM_MODEL: 'gpt-4o-mini' }))
        .endpoint,
    ).toBe('https://api.openai.com/v1');
    const both = {
      OPENAI_BASE_URL: 'https://api.openai.com/v1',
      SWITCHYARD_LLM_BASE_URL: 'http://localhost:8080/v1',
      SWITCHYARD_LLM_MODEL: 'm',
    };
    expect(backend(llmBackendFromEnv(both)).endpoint).toBe('http://localhost:8080/v1');
  });

  it('lets flags win over the environment', () => {
    const env = { SWITCHYARD_LLM_BASE_URL: 'http://localhost:11434/v1', SWITCHYARD_LLM_MODEL: 'llama3.1:8b' };
    const llm = backend(llmBackendFromEnv(env, { baseURL: 'http://localhost:1234/v1', model: 'qwen2.5:7b' }));
    expect(llm.endpoint).toBe('http://localhost:1234/v1');
    expect(llm.model).toBe('qwen2.5:7b');
  });

  it('answers INVALID_INPUT naming --model and SWITCHYARD_LLM_MODEL when a base URL has no model', () => {
    const error = failure(llmBackendFromEnv({ OPENAI_BASE_URL: 'http://localhost:11434/v1' }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('--model');
    expect(error.message).toContain('SWITCHYARD_LLM_MODEL');
  });

  it.each(['-5', '1e3', '0x10', '1.5', '0', ' 12 0'])(
    'answers INVALID_INPUT for SWITCHYARD_LLM_TIMEOUT_MS=%j',
    (value) => {
      const error = failure(
        llmBackendFromEnv({
          SWITCHYARD_LLM_BASE_URL: 'http://localhost:11434/v1',
          SWITCHYARD_LLM_MODEL: 'm',
          SWITCHYARD_LLM_TIMEOUT_MS: value,
        }),
      );
      expect(error.code).toBe('INVALID_INPUT');
      expect(error.details).toMatchObject({ variable: 'SWITCHYARD_LLM_TIMEOUT_MS' });
    },
  );

  it('answers INVALID_INPUT naming the variable a bad base URL came from, without throwing', () => {
    const error = failure(llmBackendFromEnv({ OPENAI_BASE_URL: 'localhost:11434', SWITCHYARD_LLM_MODEL: 'm' }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.details).toMatchObject({ option: 'baseURL', source: 'OPENAI_BASE_URL' });
  });

  it('sends SWITCHYARD_LLM_API_KEY over OPENAI_API_KEY, and a flag over both', async () => {
    double = await startOpenAiTestDouble([{ content: 'a' }, { content: 'b' }]);
    const env = {
      SWITCHYARD_LLM_BASE_URL: double.baseURL,
      SWITCHYARD_LLM_MODEL: 'm',
      OPENAI_API_KEY: 'sk-openai',
      SWITCHYARD_LLM_API_KEY: 'sk-switchyard',
    };
    const ask = { messages: [{ role: 'user' as const, content: 'hi' }] };
    expect((await backend(llmBackendFromEnv(env)).complete(ask)).ok).toBe(true);
    expect((await backend(llmBackendFromEnv(env, { apiKey: 'sk-flag' })).complete(ask)).ok).toBe(true);
    expect(double.requests.map((r) => r.authorization)).toEqual(['Bearer sk-switchyard', 'Bearer sk-flag']);
  });

  it('applies SWITCHYARD_LLM_TIMEOUT_MS to requests: a hanging server times out', async () => {
    double = await startOpenAiTestDouble([{ hang: true }]);
    const env = {
      SWITCHYARD_LLM_BASE_URL: double.baseURL,
      SWITCHYARD_LLM_MODEL: 'm',
      SWITCHYARD_LLM_TIMEOUT_MS: '200',
    };
    const result = await backend(llmBackendFromEnv(env, { maxRetries: 0 })).complete({
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(result.ok ? 'answered' : result.error.code).toBe('REQUEST_TIMEOUT');
    expect(result.ok ? undefined : result.error.details).toMatchObject({ timeoutMs: 200 });
  });
});
