import { describe, expect, it } from 'vitest';
import {
  DispatchSchema,
  NextAgentSchema,
  PlanMessageSchema,
  TaskResultMessageSchema,
  WorkflowResultSchema,
  WorkflowStateSchema,
} from '../../src/index.js';
import { fixture } from '../helpers/fixtures.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixtures are read as untyped JSON trees
type Json = Record<string, any>;

describe("seed 003's JSON examples", () => {
  it('parses the Phase A dispatch unchanged', () => {
    const doc = fixture('seed-003/phase-a-dispatch.json') as Json;
    const dispatch = DispatchSchema.parse(doc.output.content.dispatch);
    expect(dispatch).toEqual(doc.output.content.dispatch);
    expect(doc.output.content_type).toBe('task_dispatch');
  });

  it('parses the Phase B workflow_complete unchanged', () => {
    const doc = fixture('seed-003/phase-b-workflow-complete.json') as Json;
    expect(WorkflowResultSchema.parse(doc.output.content.workflow_result)).toEqual(doc.output.content.workflow_result);
  });

  it('parses the workflow_state schema example unchanged', () => {
    const doc = fixture('seed-003/workflow-state.json') as Json;
    expect(WorkflowStateSchema.parse(doc.workflow_state)).toEqual(doc.workflow_state);
  });

  it("parses Example 1's planning agent message", () => {
    const doc = fixture('seed-003/example-1-plan.json') as Json;
    const plan = PlanMessageSchema.parse(doc);
    expect(plan.agent.name).toBe('planning_agent');
    const task = (plan.output.content.workflow.tasks as Json).task_1;
    expect(task).toEqual(doc.output.content.workflow.tasks.task_1);
    expect(plan.output.content.workflow.execution_groups?.['1']?.tasks).toEqual(['task_1']);
  });

  it("parses Example 1's and Example 3's dispatches with their next_agent", () => {
    for (const name of ['example-1-dispatch', 'example-3-dispatch']) {
      const doc = fixture(`seed-003/${name}.json`) as Json;
      expect(DispatchSchema.parse(doc.output.content.dispatch)).toEqual(doc.output.content.dispatch);
      expect(NextAgentSchema.parse(doc.next_agent)).toEqual(doc.next_agent);
    }
  });

  it("parses Example 2's execution agent callback unchanged", () => {
    const doc = fixture('seed-003/example-2-callback.json') as Json;
    const msg = TaskResultMessageSchema.parse(doc);
    expect(msg).toEqual(doc);
    expect(msg.output.content.task_result.output_refs_produced?.[0]?.storage_uri).toBe(
      'wasabi://dsta-bucket/session-xxx/derived_1.wav',
    );
  });

  it('keeps unknown fields at every level instead of rejecting them', () => {
    const doc = structuredClone(fixture('seed-003/example-2-callback.json')) as Json;
    doc.trace_id = 't-1';
    doc.agent.version = '2.1';
    doc.output.content.task_result.duration_ms = 812;
    doc.output.content.task_result.output_refs_produced[0].checksum = 'sha256:00';
    const msg = TaskResultMessageSchema.parse(doc) as Json;
    expect(msg.trace_id).toBe('t-1');
    expect(msg.agent.version).toBe('2.1');
    expect(msg.output.content.task_result.duration_ms).toBe(812);
    expect(msg.output.content.task_result.output_refs_produced[0].checksum).toBe('sha256:00');
  });

  it('parses a failure callback with status.code "failed" and a recoverable error', () => {
    const failure = {
      agent: { name: 'execution_agent', type: 'executional' },
      output: {
        content: { task_result: { task_id: 'task_5', status: 'failed', attempt: 2 } },
        content_type: 'task_result',
      },
      status: { code: 'failed' },
      error: { code: 'MODEL_OOM', message: 'Whisper-X ran out of memory', recoverable: true },
    };
    const msg = TaskResultMessageSchema.parse(failure);
    expect(msg.error?.recoverable).toBe(true);
    expect(msg.status?.code).toBe('failed');
  });

  it('refuses a callback whose task_result status is not complete or failed', () => {
    const doc = structuredClone(fixture('seed-003/example-2-callback.json')) as Json;
    doc.output.content.task_result.status = 'done';
    expect(TaskResultMessageSchema.safeParse(doc).success).toBe(false);
  });
});
