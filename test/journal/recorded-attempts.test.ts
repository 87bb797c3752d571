import { describe, expect, it } from 'vitest';
import { recordedAttempts } from '../../src/journal/recorded-attempts.js';
import type { StoredStep } from '../../src/protocol/run-events.js';

const usage = { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 };

/** A log of two processes that stopped (task_b in flight both times), and a third that resumed it. */
const steps: StoredStep[] = [
  {
    seq: 1,
    at: 1000,
    events: [
      { type: 'plan_accepted', total_tasks: 2 },
      { type: 'run_started', at: 1000 },
    ],
  },
  { seq: 3, at: 1000, events: [{ type: 'task_dispatched', task_id: 'a', attempt: 1, agent_id: 'x' }] },
  {
    seq: 4,
    at: 1040,
    events: [
      {
        type: 'result_received',
        at: 1040,
        request_id: 'r1',
        task_id: 'a',
        attempt: 1,
        runtime_id: 'rt',
        outcome: { ok: false, recoverable: true, code: 'E', message: 'm', usage },
      },
      { type: 'task_retried', task_id: 'a', attempt: 1 },
      { type: 'task_dispatched', task_id: 'a', attempt: 2, agent_id: 'x' },
    ],
  },
  {
    seq: 7,
    at: 1100,
    events: [
      {
        type: 'result_received',
        at: 1100,
        request_id: 'r2',
        task_id: 'a',
        attempt: 2,
        runtime_id: 'rt',
        outcome: { ok: true, summary: 'did a' },
      },
      { type: 'task_dispatched', task_id: 'b', attempt: 1, agent_id: 'y' },
    ],
  },
  { seq: 9, at: 5000, events: [{ type: 'run_resumed', at: 5000, redispatched: ['b'] }] },
  { seq: 10, at: 9000, events: [{ type: 'run_resumed', at: 9000, redispatched: ['b'] }] },
];

describe('recordedAttempts', () => {
  it('times each attempt by the step that sent it and its result, and marks what a stop cut off as resent', () => {
    const recorded = recordedAttempts(steps);
    expect(recorded.startedAt).toBe(1000);
    expect(recorded.lastRecordedAt).toBe(9000);
    expect(recorded.byTask.get('a')).toEqual([
      {
        attempt: 1,
        agent: 'x',
        runtimeId: 'rt',
        dispatchedAt: 1000,
        endedAt: 1040,
        durationMs: 40,
        status: 'failed',
        error: { code: 'E', message: 'm', recoverable: true },
        usage,
      },
      {
        attempt: 2,
        agent: 'x',
        runtimeId: 'rt',
        dispatchedAt: 1040,
        endedAt: 1100,
        durationMs: 60,
        status: 'complete',
        summary: 'did a',
      },
    ]);
    // Sent at 1100, cut off, sent again at 5000, cut off again, sent again at 9000: still unfinished.
    expect(recorded.byTask.get('b')).toEqual([
      {
        attempt: 1,
        agent: 'y',
        runtimeId: null,
        dispatchedAt: 1100,
        endedAt: null,
        durationMs: null,
        status: 'unfinished',
        resentAt: 9000,
      },
    ]);
    expect(recorded.stops).toEqual([
      { lastRecordedAt: 1100, resumedAt: 5000, redispatched: ['b'] },
      { lastRecordedAt: 5000, resumedAt: 9000, redispatched: ['b'] },
    ]);
  });

  it('passes over what does not read as a run event', () => {
    const recorded = recordedAttempts([
      { seq: 1, at: 7, events: [{ type: 'no_such_event' }, { type: 'run_started' }] },
    ]);
    expect(recorded).toMatchObject({ startedAt: undefined, lastRecordedAt: 7, stops: [] });
    expect(recorded.byTask.size).toBe(0);
  });
});
