import { describe, expect, it } from 'vitest';
import {
  type DispatchState,
  GOVERNANCE_FILES,
  type OutputMessage,
  simulate,
  step,
  type WorkflowCompleteMessage,
} from '../../src/index.js';
import { examplePlan, fixture } from '../helpers/fixtures.js';
import { dispatchedIds, dispatchOf, success } from '../helpers/runs.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- seed fixtures are untyped JSON

const T0 = Date.parse('2026-02-21T10:00:00+08:00');
const clock = (seconds: number) => ({ clock: () => T0 + seconds * 1000 });

/** Runs the example plan up to the dispatch of group 4 (task_5 and task_6), with the seed's store_1 URI. */
function toGroup4() {
  let { state, messages } = step(undefined, examplePlan(), clock(1));
  const t1 = dispatchOf(messages, 'task_1');
  ({ state, messages } = step(state, success(t1), clock(2)));
  ({ state, messages } = step(
    state,
    success(dispatchOf(messages, 'task_2'), { store_1: 'wasabi://bucket/session-xxx/store_1.mp4' }),
    clock(3),
  ));
  const group3 = messages;
  ({ state, messages } = step(state, success(dispatchOf(group3, 'task_3')), clock(4)));
  expect(messages).toEqual([]);
  ({ state, messages } = step(state, success(dispatchOf(group3, 'task_4')), clock(5)));
  return { state, messages };
}

describe("seed 003's examples on examples/video-analysis/plan.json", () => {
  it('Example 1: the initial invocation dispatches task_1 exactly as the seed shows', () => {
    const { state, messages } = step(undefined, examplePlan(), clock(1));
    const seed = fixture('seed-003/example-1-dispatch.json') as Json;
    expect(messages).toHaveLength(1);
    const [m] = messages as readonly Json[];
    expect(m.output).toEqual(seed.output);
    expect(m.next_agent).toEqual(seed.next_agent);
    expect(m.agent).toEqual({ name: 'dispatch_agent', type: 'operational' });
    expect(m.input).toEqual({ source: 'planning_agent' });
    expect(m.metadata).toMatchObject({
      session_id: 'session-xxx',
      request_id: 'req-video-analysis-001',
      sequence_number: 4,
      timestamp: '2026-02-21T10:00:01+08:00',
    });
    expect(m.metadata.workflow_state).toBe(state);
    expect(m.audit).toEqual({ governance_files_consulted: [...GOVERNANCE_FILES], compliance_notes: [] });
    expect(state?.task_states.task_1).toEqual({
      status: 'in_progress',
      attempts: 1,
      dispatched_at: '2026-02-21T10:00:01+08:00',
      completed_at: null,
      assigned_agent: 'execution_agent',
      result_summary: null,
    });
    expect(state?.task_states.task_7).toEqual({
      status: 'pending',
      attempts: 0,
      dispatched_at: null,
      completed_at: null,
      assigned_agent: null,
      result_summary: null,
    });
    expect(state?.ref_registry.src_1).toEqual({
      storage_uri: 'https://www.youtube.com/shorts/pcaYkGY996o',
      status: 'reference',
      asset_type: 'youtube_url',
    });
    expect(state?.current_execution_group).toBe(1);
  });

  it("Phase A: task_5 goes out with store_1 resolved and the seed's exact progress", () => {
    const { messages } = toGroup4();
    expect(dispatchedIds(messages)).toEqual(['task_5', 'task_6']);
    const seed = fixture('seed-003/phase-a-dispatch.json') as Json;
    expect(dispatchOf(messages, 'task_5').output).toEqual(seed.output);
    expect(dispatchOf(messages, 'task_6').output.content.dispatch.workflow_progress).toEqual({
      total_tasks: 12,
      completed: 4,
      in_progress: 2,
      pending: 6,
      failed: 0,
    });
  });

  it('Example 2: the callback resolves derived_1, and group 5 waits for task_6 before going out with its URI', () => {
    let { state, messages } = toGroup4();
    const group4 = messages;
    const callback = fixture('seed-003/example-2-callback.json') as Json;
    callback.output.content.task_result.attempt = 1;
    callback.metadata = { sequence_number: 5 };
    ({ state, messages } = step(state, callback, clock(6)));
    expect(messages).toEqual([]);
    expect(state?.ref_registry.derived_1).toEqual({
      storage_uri: 'wasabi://dsta-bucket/session-xxx/derived_1.wav',
      status: 'created',
      asset_type: 'audio_track',
    });
    expect(state?.task_states.task_5.status).toBe('complete');
    expect(state?.task_states.task_7.status).toBe('ready');
    ({ state, messages } = step(state, success(dispatchOf(group4, 'task_6')), clock(7)));
    expect(dispatchedIds(messages)).toEqual(['task_7', 'task_8', 'task_11']);
    expect(dispatchOf(messages, 'task_7').output.content.dispatch.input_refs_resolved).toEqual([
      { ref_id: 'derived_1', storage_uri: 'wasabi://dsta-bucket/session-xxx/derived_1.wav', status: 'created' },
    ]);
    expect(state?.current_execution_group).toBe(5);
  });

  it('Example 3: task_12 (CAP-SYN-001) goes to reasoning_agent with the reason the seed gives', () => {
    const run = simulate(examplePlan());
    const all = run.steps.flatMap((s) => s.messages);
    const task12 = dispatchOf(all, 'task_12') as Json;
    const seed = fixture('seed-003/example-3-dispatch.json') as Json;
    expect(task12.next_agent).toEqual(seed.next_agent);
    const { input_refs_resolved, ...rest } = task12.output.content.dispatch;
    const { input_refs_resolved: seedRefs, ...seedRest } = seed.output.content.dispatch;
    expect(rest).toEqual(seedRest);
    expect(input_refs_resolved.slice(0, 2).map((r: Json) => r.ref_id)).toEqual(seedRefs.map((r: Json) => r.ref_id));
    expect(input_refs_resolved.every((r: Json) => r.status === 'created')).toBe(true);
  });

  it('Example 4: task_5 fails three times; task_7–10 are skipped, task_6 and task_11 go on, task_12 runs on partial input', () => {
    const run = simulate(examplePlan(), { fail: { task_5: { recoverable: true } } });
    const all: OutputMessage[] = run.steps.flatMap((s) => s.messages);
    const attempts = all
      .filter((m) => (m as Json).output.content.dispatch?.task_id === 'task_5')
      .map((m) => (m as Json).output.content.dispatch.attempt);
    expect(attempts).toEqual([1, 2, 3]);
    const task12 = dispatchOf(all, 'task_12');
    expect(task12.next_agent?.name).toBe('reasoning_agent');
    expect(task12.audit?.compliance_notes).toEqual([
      'CAP-SYN-001 proceeding with reduced input (facial_expressions only); transcript, speaker_segments, vocal_emotion and text_sentiment unavailable due to task_5 failure.',
    ]);
    expect(task12.output.content.dispatch.input_refs_resolved).toEqual([
      { ref_id: 'derived_7', storage_uri: 'sim://session-xxx/derived_7', status: 'created' },
    ]);
    const complete = all.filter((m): m is WorkflowCompleteMessage => m.output.content_type === 'workflow_complete');
    expect(complete).toHaveLength(1);
    expect(complete[0].next_agent?.name).toBe('memory_agent');
    expect(complete[0].output.content.workflow_result).toEqual(fixture('golden/example-4-workflow-result.json'));
    const state = run.state as DispatchState;
    expect(state.task_states.task_9).toMatchObject({
      status: 'skipped',
      result_summary: 'Upstream dependency task_5 failed; required input_ref derived_1 unavailable',
    });
    expect(state.failure_log.map((f) => [f.task_id, f.attempts, f.downstream_impact])).toEqual([
      ['task_5', 1, 'none yet: dispatched again as attempt 2'],
      ['task_5', 2, 'none yet: dispatched again as attempt 3'],
      ['task_5', 3, ['task_7', 'task_8', 'task_9', 'task_10']],
    ]);
  });

  it('task_9, task_10 and task_11 all fail: task_12 (CAP-SYN-001) is skipped, though derived_3 and derived_4 exist', () => {
    const never = { recoverable: false };
    const run = simulate(examplePlan(), { fail: { task_9: never, task_10: never, task_11: never } });
    const all: OutputMessage[] = run.steps.flatMap((s) => s.messages);
    expect(dispatchedIds(all)).not.toContain('task_12');
    const state = run.state as DispatchState;
    expect(state.ref_registry.derived_3.status).toBe('created');
    expect(state.ref_registry.derived_4.status).toBe('created');
    // task_10 fails last, and its propagation is what skips task_12.
    expect(state.task_states.task_12).toMatchObject({
      status: 'skipped',
      attempts: 0,
      skipped_because: 'task_10',
      result_summary: 'Upstream dependency task_10 failed; required input_ref derived_6 unavailable',
    });
    expect(state.failure_log.map((f) => [f.task_id, f.downstream_impact])).toEqual([
      ['task_11', []],
      ['task_9', []],
      ['task_10', ['task_12']],
    ]);
    const complete = all.filter((m): m is WorkflowCompleteMessage => m.output.content_type === 'workflow_complete');
    expect(complete).toHaveLength(1);
    const result = complete[0].output.content.workflow_result;
    expect(result).toMatchObject({
      status: 'partial',
      total_tasks: 12,
      completed_tasks: 8,
      failed_tasks: 3,
      skipped_tasks: 1,
    });
    expect(result.failure_summary).toEqual({
      failed: [
        {
          task_id: 'task_11',
          error_code: 'INVALID_INPUT_FORMAT',
          error_message: 'simulated non-recoverable failure of task_11 (attempt 1)',
          attempts: 1,
        },
        {
          task_id: 'task_9',
          error_code: 'INVALID_INPUT_FORMAT',
          error_message: 'simulated non-recoverable failure of task_9 (attempt 1)',
          attempts: 1,
        },
        {
          task_id: 'task_10',
          error_code: 'INVALID_INPUT_FORMAT',
          error_message: 'simulated non-recoverable failure of task_10 (attempt 1)',
          attempts: 1,
        },
      ],
      skipped: [
        { task_id: 'task_12', reason: 'Upstream dependency task_10 failed; required input_ref derived_6 unavailable' },
      ],
    });
  });

  it('a fusion task still runs on partial input while one of its dependencies completed (task_11 alone fails)', () => {
    const run = simulate(examplePlan(), { fail: { task_11: { recoverable: false } } });
    const task12 = dispatchOf(
      run.steps.flatMap((s) => s.messages),
      'task_12',
    );
    expect(task12.output.content.dispatch.input_refs_resolved.map((r) => r.ref_id)).toEqual([
      'derived_3',
      'derived_4',
      'derived_5',
      'derived_6',
    ]);
    expect(task12.audit?.compliance_notes).toEqual([
      'CAP-SYN-001 proceeding with reduced input (transcript, speaker_segments, vocal_emotion and text_sentiment only); facial_expressions unavailable due to task_11 failure.',
    ]);
    expect(run.state?.task_states.task_12.status).toBe('complete');
  });

  it('a clean run ends complete with every derived ref created and a timeline per group', () => {
    const run = simulate(examplePlan());
    const lastStep = run.steps.at(-1);
    const last = lastStep?.messages.at(-1) as WorkflowCompleteMessage;
    expect(last.output.content.workflow_result).toEqual(fixture('golden/complete-workflow-result.json'));
    expect(last.metadata?.sequence_number).toBe((lastStep?.input as Json).metadata.sequence_number + 1);
  });
});
