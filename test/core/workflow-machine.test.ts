import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { simulate, workflowMachine } from '../../src/index.js';
import { examplePlan } from '../helpers/fixtures.js';
import { task, workflow } from '../helpers/plans.js';

describe('workflowMachine', () => {
  it('answers every message exactly as step does, and ends partial on Example 4', () => {
    const run = simulate(examplePlan(), { fail: { task_5: { recoverable: true } } });
    const t0 = run.steps[0].at;
    let now = t0;
    const actor = createActor(workflowMachine, { input: { options: { clock: () => now } } }).start();
    expect(actor.getSnapshot().value).toBe('awaiting_plan');
    for (const s of run.steps) {
      now = s.at;
      actor.send(s === run.steps[0] ? { type: 'plan', message: s.input } : { type: 'task_result', message: s.input });
      expect(actor.getSnapshot().context.outbox).toEqual(s.messages);
    }
    expect(actor.getSnapshot().value).toBe('partial');
    expect(actor.getSnapshot().context.state).toEqual(run.state);
  });

  it('stays awaiting a plan when one is refused, and answers late results after the end', () => {
    const actor = createActor(workflowMachine, { input: {} }).start();
    actor.send({
      type: 'plan',
      message: {
        agent: { name: 'planning_agent', type: 'operational' },
        output: { content: { workflow: workflow([]) }, content_type: 'plan' },
      },
    });
    expect(actor.getSnapshot().value).toBe('awaiting_plan');
    expect(actor.getSnapshot().context.outbox[0].error?.code).toBe('INVALID_INPUT');
    const plan = {
      agent: { name: 'planning_agent', type: 'operational' },
      output: { content: { workflow: workflow([task('a')]) }, content_type: 'plan' },
    };
    actor.send({ type: 'plan', message: plan });
    expect(actor.getSnapshot().value).toBe('running');
    const result = {
      agent: { name: 'execution_agent', type: 'executional' },
      output: {
        content: { task_result: { task_id: 'a', status: 'complete', attempt: 1 } },
        content_type: 'task_result',
      },
    };
    actor.send({ type: 'task_result', message: result });
    expect(actor.getSnapshot().value).toBe('complete');
    actor.send({ type: 'task_result', message: result });
    expect(actor.getSnapshot().value).toBe('complete');
    expect(actor.getSnapshot().context.outbox.map((m) => m.error?.code)).toEqual(['STALE_RESULT']);
  });
});
