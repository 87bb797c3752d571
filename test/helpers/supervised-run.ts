import { pino } from 'pino';
import { WorkflowRun } from '../../src/actors/workflow-run.js';
import type { SupervisorOptions } from '../../src/actors/supervisor-options.js';
import { compilePlan } from '../../src/core/compiled-plan.js';
import { resolveOptions } from '../../src/core/options.js';
import { SimulatedScheduler } from '../../src/core/scheduler.js';
import { readPlan } from '../../src/graph/plan-input.js';
import { type Bus, subjects } from '../../src/index.js';

/**
 * A run's supervisor on `bus`, without a runtime around it: run id `r1`, default subjects, a
 * silent logger, simulated time from 0, 8 attempts out, a 60 s deadline and 10 ms of grace,
 * unless `overrides` say otherwise. Not started.
 */
export function supervisedRun(
  bus: Bus,
  wf: Record<string, unknown>,
  overrides: Partial<Omit<SupervisorOptions, 'bus' | 'options'>> = {},
): WorkflowRun {
  const options = resolveOptions({});
  const input = readPlan(wf);
  if (!options.ok || !input.ok) throw new Error('bad fixture');
  const plan = compilePlan(input.value, options.value);
  if (!plan.ok) throw plan.error;
  return new WorkflowRun(plan.value, {
    runId: 'r1',
    subjects: subjects(),
    logger: pino({ level: 'silent' }),
    scheduler: new SimulatedScheduler(0),
    maxConcurrentTasks: 8,
    taskTimeoutMs: 60_000,
    resultGraceMs: 10,
    ...overrides,
    bus,
    options: options.value,
  });
}
