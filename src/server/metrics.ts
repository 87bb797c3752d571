import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunStepMessage } from '../protocol/run-events.js';
import type { ServiceContext } from './service-context.js';

/** Where an attempt went and when, between its dispatch and its result. */
interface OpenAttempt {
  readonly agent: string;
  readonly at: number;
}

const ATTEMPT_BUCKETS = [0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 15, 60, 300, 1800];

/**
 * The service's Prometheus metrics (`GET /metrics`), in a registry of its own. Counters and the
 * attempt-duration histogram follow the run steps the runtime publishes (every run it drives,
 * as the state manager records them: {@link take}); runs and tasks by status, registered runtimes, the
 * dispatcher's queue and the bus counters are read when scraped.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly #open = new Map<string, OpenAttempt>();
  readonly #events: Counter<'type'>;
  readonly #durations: Histogram<'agent' | 'outcome'>;
  readonly #dispatchFailures: Counter<'code'>;

  constructor(ctx: ServiceContext) {
    const registers = [this.registry];
    this.#events = new Counter({
      name: 'switchyard_run_events_total',
      help: 'Events the runs took, by type (task_dispatched, result_received, task_retried, task_skipped, …)',
      labelNames: ['type'],
      registers,
    });
    this.#durations = new Histogram({
      name: 'switchyard_attempt_duration_seconds',
      help: 'From an attempt being dispatched to its result being taken, by agent and outcome',
      labelNames: ['agent', 'outcome'],
      buckets: ATTEMPT_BUCKETS,
      registers,
    });
    this.#dispatchFailures = new Counter({
      name: 'switchyard_dispatch_failures_total',
      help: 'Attempts that could not be placed on any runtime, by error code',
      labelNames: ['code'],
      registers,
    });
    scrapedGauges(ctx, registers);
  }

  /** Takes one recorded step of a run (the service feeds it every step the runtime publishes). */
  take(step: RunStepMessage): void {
    for (const event of step.events) {
      this.#events.inc({ type: event.type });
      const e = event as Record<string, unknown>;
      const key = `${step.run_id}\u0000${String(e.task_id)}\u0000${String(e.attempt)}`;
      if (event.type === 'task_dispatched') this.#open.set(key, { agent: String(e.agent_id), at: step.at });
      if (event.type === 'dispatch_failed') this.#dispatchFailures.inc({ code: String(e.code) });
      if (event.type === 'result_received') {
        const open = this.#open.get(key);
        this.#open.delete(key);
        const ok = (e.outcome as { ok?: unknown } | undefined)?.ok === true;
        const at = typeof e.at === 'number' ? e.at : step.at;
        if (open) this.#durations.observe({ agent: open.agent, outcome: ok ? 'ok' : 'error' }, (at - open.at) / 1000);
      }
    }
    // A run that ended leaves nothing open (attempts of a cancelled run never report).
    if (step.status !== 'running')
      for (const key of this.#open.keys()) if (key.startsWith(`${step.run_id}\u0000`)) this.#open.delete(key);
  }

  /** The text Prometheus scrapes. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** The gauges read at each scrape: runs, and tasks of running runs, by status, runtimes, the dispatcher's queue, the bus. */
function scrapedGauges(ctx: ServiceContext, registers: Registry[]): void {
  new Gauge({
    name: 'switchyard_runs',
    help: 'Recorded runs by status',
    labelNames: ['status'],
    registers,
    collect() {
      this.reset();
      for (const run of ctx.store.listRuns()) this.inc({ status: run.status });
    },
  });
  new Gauge({
    name: 'switchyard_tasks',
    help: 'Tasks of the runs still running, by status (from their recorded counts)',
    labelNames: ['status'],
    registers,
    collect() {
      this.reset();
      for (const { status, counts: c } of ctx.store.listRuns()) {
        if (status !== 'running') continue;
        this.inc({ status: 'complete' }, c.completed);
        this.inc({ status: 'failed' }, c.failed);
        this.inc({ status: 'skipped' }, c.skipped);
        this.inc({ status: 'in_progress' }, c.in_progress);
        this.inc({ status: 'pending' }, c.total - c.completed - c.failed - c.skipped - c.in_progress);
      }
    },
  });
  new Gauge({
    name: 'switchyard_runtimes',
    help: 'Agent runtimes registered with the dispatcher',
    registers,
    collect() {
      this.set(ctx.runtime.dispatcher.registry.runtimes().length);
    },
  });
  new Gauge({
    name: 'switchyard_dispatch_queue',
    help: 'Attempts waiting in the dispatcher for a runtime',
    registers,
    collect() {
      this.set(ctx.runtime.dispatcher.queued);
    },
  });
  new Gauge({
    name: 'switchyard_bus_messages',
    help: "The bus's counters since it started (published, delivered, expired, handler errors, requests, …)",
    labelNames: ['counter'],
    registers,
    collect() {
      for (const [counter, value] of Object.entries(ctx.runtime.bus.counters())) this.set({ counter }, value);
    },
  });
}
