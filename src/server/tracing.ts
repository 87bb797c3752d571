import { context, type Span, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import type { RunStepMessage } from '../protocol/run-events.js';

type Event = Record<string, unknown> & { type: string };

const attemptKey = (runId: string, e: Event) => `${runId}\u0000${String(e.task_id)}\u0000${String(e.attempt)}`;

/**
 * OpenTelemetry spans of the runs, from their steps: a `switchyard.run` span per run and a
 * `switchyard.attempt` span per attempt under it (task, attempt, agent, runtime, outcome and
 * error code as attributes), timed by the journal's clock. Through `@opentelemetry/api` only:
 * without an SDK registered (or a tracer given) every span is a no-op.
 */
export class RunTracing {
  readonly #tracer: Tracer;
  readonly #runs = new Map<string, Span>();
  readonly #attempts = new Map<string, Span>();

  constructor(tracer: Tracer = trace.getTracer('switchyard')) {
    this.#tracer = tracer;
  }

  /** Takes one recorded step of a run. */
  take(step: RunStepMessage): void {
    for (const event of step.events as Event[]) this.#event(step, event);
    if (step.status !== 'running') this.#end(step);
  }

  #run(step: RunStepMessage): Span {
    let span = this.#runs.get(step.run_id);
    if (!span) {
      span = this.#tracer.startSpan('switchyard.run', {
        startTime: step.at,
        attributes: { 'switchyard.run_id': step.run_id, 'switchyard.tasks': step.counts.total },
      });
      this.#runs.set(step.run_id, span);
    }
    return span;
  }

  #event(step: RunStepMessage, e: Event): void {
    const run = this.#run(step);
    if (e.type === 'run_resumed')
      run.addEvent('resumed', { 'switchyard.redispatched': (e.redispatched as string[]).length }, step.at);
    else if (e.type === 'task_dispatched') {
      const parent = trace.setSpan(context.active(), run);
      const span = this.#tracer.startSpan(
        'switchyard.attempt',
        {
          startTime: step.at,
          attributes: {
            'switchyard.run_id': step.run_id,
            'switchyard.task_id': String(e.task_id),
            'switchyard.attempt': Number(e.attempt),
            'switchyard.agent': String(e.agent_id),
          },
        },
        parent,
      );
      this.#attempts.set(attemptKey(step.run_id, e), span);
    } else if (e.type === 'result_received') this.#result(step, e);
    else if (e.type === 'task_skipped')
      run.addEvent(
        'task skipped',
        { 'switchyard.task_id': String(e.task_id), 'switchyard.reason': String(e.reason) },
        step.at,
      );
    else if (e.type === 'dispatch_failed')
      run.addEvent(
        'dispatch failed',
        { 'switchyard.task_id': String(e.task_id), 'switchyard.error_code': String(e.code) },
        step.at,
      );
  }

  #result(step: RunStepMessage, e: Event): void {
    const key = attemptKey(step.run_id, e);
    const span = this.#attempts.get(key);
    if (!span) return;
    this.#attempts.delete(key);
    const outcome = e.outcome as {
      ok: boolean;
      code?: string;
      message?: string;
      recoverable?: boolean;
      usage?: { prompt_tokens: number; completion_tokens: number; model?: string };
    };
    if (typeof e.runtime_id === 'string') span.setAttribute('switchyard.runtime_id', e.runtime_id);
    if (outcome.usage) {
      // OpenTelemetry's semantic conventions for generative AI.
      span.setAttributes({
        'gen_ai.usage.input_tokens': outcome.usage.prompt_tokens,
        'gen_ai.usage.output_tokens': outcome.usage.completion_tokens,
        ...(outcome.usage.model === undefined ? {} : { 'gen_ai.response.model': outcome.usage.model }),
      });
    }
    if (outcome.ok) span.setStatus({ code: SpanStatusCode.OK });
    else {
      span.setAttributes({
        'switchyard.error_code': String(outcome.code),
        'switchyard.recoverable': outcome.recoverable === true,
      });
      span.setStatus({ code: SpanStatusCode.ERROR, message: `${String(outcome.code)}: ${String(outcome.message)}` });
    }
    span.end(typeof e.at === 'number' ? e.at : step.at);
  }

  /** The run ended (or was cancelled): attempts still open end unfinished, then the run's span. */
  #end(step: RunStepMessage): void {
    const prefix = `${step.run_id}\u0000`;
    for (const [key, span] of this.#attempts)
      if (key.startsWith(prefix)) {
        span.setAttribute('switchyard.unfinished', true);
        span.end(step.at);
        this.#attempts.delete(key);
      }
    const run = this.#runs.get(step.run_id);
    if (!run) return;
    this.#runs.delete(step.run_id);
    run.setAttributes({
      'switchyard.status': step.status,
      'switchyard.completed': step.counts.completed,
      'switchyard.failed': step.counts.failed,
    });
    run.setStatus(
      step.status === 'complete' || step.status === 'cancelled'
        ? { code: SpanStatusCode.OK }
        : { code: SpanStatusCode.ERROR, message: `the run ended ${step.status}` },
    );
    run.end(step.at);
  }
}
