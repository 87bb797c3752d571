import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../../src/index.js';
import { createService, type Service } from '../../src/server/service.js';
import { SqliteStore } from '../../src/sqlite.js';
import { planWith, TEST_AGENTS } from '../helpers/fixtures.js';

/* The service's spans through the real OpenTelemetry SDK (its in-memory exporter), on a real run. */

const dir = mkdtempSync(join(tmpdir(), 'switchyard-tracing-'));
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let rt: Runtime;
let service: Service;

beforeAll(async () => {
  rt = await createRuntime({
    agents: [TEST_AGENTS],
    logger: pino({ level: 'silent' }),
    store: SqliteStore.open(join(dir, 'runs.db')),
    retryBackoff: { baseMs: 0 },
  });
  service = await createService({ runtime: rt, tracer: provider.getTracer('switchyard-test') });
});
afterAll(async () => {
  await service.close();
  await rt.close({ cancel: true });
  await provider.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

describe('OpenTelemetry spans', () => {
  it('gives a run one span and each attempt a span under it, with its outcome', async () => {
    const res = await service.app.inject({
      method: 'POST',
      url: '/runs',
      payload: { plan: planWith({ task_2: '[throw-fatal]' }), run_id: 'traced' },
    });
    expect(res.statusCode).toBe(201);
    await rt.active().find((r) => r.id === 'traced')?.result;
    await rt.bus.flush();
    const spans = exporter.getFinishedSpans();
    const runs = spans.filter((s) => s.name === 'switchyard.run');
    expect(runs).toHaveLength(1);
    const [run] = runs;
    expect(run.attributes).toMatchObject({ 'switchyard.run_id': 'traced', 'switchyard.status': 'partial' });
    expect(run.status.code).toBe(SpanStatusCode.ERROR);
    const attempts = spans.filter((s) => s.name === 'switchyard.attempt');
    expect(attempts.map((s) => s.attributes['switchyard.task_id']).sort()).toEqual(['task_1', 'task_2']);
    for (const a of attempts) {
      expect(a.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
      expect(a.spanContext().traceId).toBe(run.spanContext().traceId);
    }
    const failed = attempts.find((s) => s.attributes['switchyard.task_id'] === 'task_2');
    expect(failed?.status).toMatchObject({ code: SpanStatusCode.ERROR });
    expect(failed?.attributes).toMatchObject({
      'switchyard.error_code': 'CORRUPT_INPUT',
      'switchyard.recoverable': false,
    });
    const ok = attempts.find((s) => s.attributes['switchyard.task_id'] === 'task_1');
    expect(ok?.status.code).toBe(SpanStatusCode.OK);
    expect(ok?.attributes['switchyard.agent']).toBe('execution_agent');
    expect(run.events.filter((e) => e.name === 'task skipped').length).toBeGreaterThan(0);
  });
});
