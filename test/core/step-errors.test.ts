import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DispatchState, ErrorMessageSchema, type OutputMessage, step } from '../../src/index.js';
import { examplePlan } from '../helpers/fixtures.js';
import { task, workflow } from '../helpers/plans.js';
import { dispatchedIds, dispatchOf, failure, statuses, success } from '../helpers/runs.js';

const clock = { clock: () => Date.parse('2026-02-21T10:00:01+08:00') };

function planMessage(wf: Record<string, unknown>) {
  const { resources, ...rest } = wf;
  return {
    agent: { name: 'planning_agent', type: 'operational' },
    output: { content: { workflow: rest }, content_type: 'plan' },
    resources,
    metadata: { session_id: 's', request_id: 'r', sequence_number: 3 },
  };
}

function onlyError(messages: readonly OutputMessage[]) {
  expect(messages).toHaveLength(1);
  const m = ErrorMessageSchema.parse(messages[0]);
  expect(m.status?.code).toBe('failed');
  return m.output.content.error;
}

describe('step refuses unusable plans with coded messages', () => {
  it('answers an empty workflow with INVALID_INPUT and no state', () => {
    const { state, messages } = step(undefined, planMessage(workflow([])));
    expect(state).toBeUndefined();
    expect(onlyError(messages).code).toBe('INVALID_INPUT');
  });

  it('answers a cycle with PROCESSING_ERROR naming it', () => {
    const error = onlyError(
      step(undefined, planMessage(workflow([task('task_3', ['task_7']), task('task_7', ['task_3'])]))).messages,
    );
    expect(error.code).toBe('PROCESSING_ERROR');
    expect(error.message).toContain('task_3 → task_7 → task_3');
  });

  it('answers an unknown ref and an unknown depends_on id with VALIDATION_ERROR', () => {
    expect(
      onlyError(step(undefined, planMessage(workflow([task('a', [], { input_refs: ['src_9'] })]))).messages).code,
    ).toBe('VALIDATION_ERROR');
    expect(onlyError(step(undefined, planMessage(workflow([task('a', ['ghost'])]))).messages).code).toBe(
      'VALIDATION_ERROR',
    );
  });

  it('answers a capability no route serves with VALIDATION_ERROR', () => {
    expect(
      onlyError(step(undefined, planMessage(workflow([task('a', [], { capability_ids: ['TOOL-X'] })]))).messages).code,
    ).toBe('VALIDATION_ERROR');
  });

  it('answers bad JSON text and schema violations with INVALID_INPUT and the zod paths', () => {
    expect(onlyError(step(undefined, '{"output": ').messages).code).toBe('INVALID_INPUT');
    const bad = examplePlan() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- poking into fixture JSON
    bad.output.content.workflow.tasks.task_3.capability_ids = 'CAP-PRE-001';
    const error = onlyError(step(undefined, bad).messages);
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('output.content.workflow.tasks.task_3.capability_ids');
  });

  it('answers an unknown content_type and bad options with INVALID_INPUT', () => {
    expect(
      onlyError(
        step(undefined, { agent: { name: 'x', type: 'y' }, output: { content: {}, content_type: 'poem' } }).messages,
      ).code,
    ).toBe('INVALID_INPUT');
    expect(onlyError(step(undefined, examplePlan(), { maxAttempts: 0 }).messages).message).toContain('maxAttempts');
    expect(onlyError(step(undefined, examplePlan(), { policy: 'eager' as never }).messages).code).toBe('INVALID_INPUT');
  });

  it('never throws, whatever it is given', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (state, message) => {
        const result = step(state as DispatchState, message);
        expect(result.messages.length).toBeGreaterThan(0);
        expect(result.messages.every((m) => m.output.content_type === 'error')).toBe(true);
      }),
    );
  });
});

describe('step answers what real orchestration layers send', () => {
  const start = () => step(undefined, examplePlan(), clock);

  it('treats a duplicate callback as a coded no-op and returns the state unharmed', () => {
    const first = start();
    const cb = success(dispatchOf(first.messages, 'task_1'));
    const second = step(first.state, cb, clock);
    const text = JSON.stringify(second.state);
    const dup = step(second.state, cb, clock);
    expect(dup.state).toBe(second.state);
    expect(JSON.stringify(dup.state)).toBe(text);
    expect(onlyError(dup.messages).code).toBe('STALE_RESULT');
  });

  it('ignores a result for an old attempt', () => {
    let { state, messages } = start();
    const attempt1 = dispatchOf(messages, 'task_1');
    ({ state, messages } = step(state, failure(attempt1, true), clock));
    expect(dispatchOf(messages, 'task_1').output.content.dispatch.attempt).toBe(2);
    const late = step(state, success(attempt1), clock);
    expect(late.state).toBe(state);
    expect(onlyError(late.messages)).toMatchObject({ code: 'STALE_RESULT', details: { attempt: 1, live_attempt: 2 } });
  });

  it('refuses a callback for an unknown task with VALIDATION_ERROR and for a task not in progress with STALE_RESULT', () => {
    const { state, messages } = start();
    const cb = success(dispatchOf(messages, 'task_1')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- editing a message
    cb.output.content.task_result.task_id = 'task_99';
    expect(onlyError(step(state, cb, clock).messages).code).toBe('VALIDATION_ERROR');
    cb.output.content.task_result.task_id = 'task_7';
    expect(onlyError(step(state, cb, clock).messages).code).toBe('STALE_RESULT');
  });

  it('ignores undeclared output refs, says so, and applies the rest', () => {
    const { state, messages } = start();
    const cb = success(dispatchOf(messages, 'task_1')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- editing a message
    cb.output.content.task_result.output_refs_produced = [{ ref_id: 'derived_1', storage_uri: 'wasabi://evil' }];
    const out = step(state, cb, clock);
    expect(out.messages[0].error?.code).toBe('VALIDATION_ERROR');
    expect(out.messages[0].output.content).toMatchObject({
      error: { details: { reason: 'undeclared_output_ref', ref_ids: ['derived_1'] } },
    });
    expect(dispatchedIds(out.messages)).toEqual(['task_2']);
    expect(out.state?.ref_registry.derived_1.status).toBe('pending');
    expect(out.state?.task_states.task_1.status).toBe('complete');
  });

  it('asks for the state when a callback comes without one, and takes it from metadata.workflow_state', () => {
    const { state, messages } = start();
    const cb = success(dispatchOf(messages, 'task_1'));
    expect(onlyError(step(undefined, cb).messages).code).toBe('INVALID_INPUT');
    const carried = step(undefined, { ...cb, metadata: { ...cb.metadata, workflow_state: state } }, clock);
    expect(dispatchedIds(carried.messages)).toEqual(['task_2']);
    expect(carried).toEqual(step(state, cb, clock));
  });

  it('refuses a state that does not fit its plan', () => {
    const { state, messages } = start();
    const broken = structuredClone(state) as DispatchState;
    delete (broken.task_states as Record<string, unknown>).task_4;
    expect(onlyError(step(broken, success(dispatchOf(messages, 'task_1'))).messages).code).toBe('INVALID_INPUT');
  });

  it('numbers answers: 4 for the plan, the callback sequence + 1 after', () => {
    const { state, messages } = start();
    expect(messages[0].metadata?.sequence_number).toBe(4);
    const cb = { ...success(dispatchOf(messages, 'task_1')), metadata: { sequence_number: 17 } };
    expect(step(state, cb, clock).messages[0].metadata?.sequence_number).toBe(18);
  });

  it('fails a non-recoverable error at once and retries a recoverable one at most three times', () => {
    let { state, messages } = start();
    ({ state, messages } = step(state, failure(dispatchOf(messages, 'task_1'), false, 'INVALID_FORMAT'), clock));
    expect(statuses(state).task_1).toBe('failed');
    expect(messages.at(-1)?.output.content_type).toBe('workflow_complete');
    expect(Object.values(statuses(state)).filter((s) => s === 'skipped')).toHaveLength(11);
    expect(state?.failure_log[0]).toMatchObject({
      task_id: 'task_1',
      error_code: 'INVALID_FORMAT',
      attempts: 1,
      recoverable: false,
    });
  });

  it('ends failed with PROCESSING_ERROR naming the ref when a task completes without producing it', () => {
    let { state, messages } = step(
      undefined,
      planMessage(
        workflow([task('p', [], { output_refs: ['derived_1'] }), task('r', ['p'], { input_refs: ['derived_1'] })], {
          derived_refs: [{ ref_id: 'derived_1', storage_uri: null }],
        }),
      ),
    );
    const cb = success(dispatchOf(messages, 'p')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- editing a message
    cb.output.content.task_result.output_refs_produced = [];
    ({ state, messages } = step(state, cb));
    const done = messages.at(-1)!;
    expect(done.output.content_type).toBe('workflow_complete');
    expect(done.status?.code).toBe('failed');
    expect(done.error?.code).toBe('PROCESSING_ERROR');
    expect(done.error?.message).toContain('r waits on input_ref derived_1 (p completed without producing it)');
    expect(state?.switchyard.run.status).toBe('failed');
  });

  it('dispatches across groups as soon as tasks are ready under the dependency policy', () => {
    const strict = step(undefined, examplePlan(), clock);
    const loose = step(undefined, examplePlan(), { ...clock, policy: 'dependency' });
    let s1 = step(strict.state, success(dispatchOf(strict.messages, 'task_1')), clock);
    s1 = step(s1.state, success(dispatchOf(s1.messages, 'task_2')), clock);
    s1 = step(s1.state, success(dispatchOf(s1.messages, 'task_3')), clock);
    expect(dispatchedIds(s1.messages)).toEqual([]);
    let s2 = step(loose.state, success(dispatchOf(loose.messages, 'task_1')), clock);
    s2 = step(s2.state, success(dispatchOf(s2.messages, 'task_2')), clock);
    s2 = step(s2.state, success(dispatchOf(s2.messages, 'task_3')), clock);
    expect(dispatchedIds(s2.messages)).toEqual(['task_5', 'task_6']);
  });

  it('keeps all four canonical governance paths on every message', () => {
    const { messages } = start();
    expect(messages[0].audit?.governance_files_consulted).toEqual([
      'context/application.md',
      'context/governance/message_format.md',
      'context/governance/audit.md',
      'agent/operational/dispatch.md',
    ]);
  });
});
