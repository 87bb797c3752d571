import type { AttemptRecord, RunStop } from '../protocol/execution-result.js';
import { type RunEvent, RunEventSchema, type StoredStep } from '../protocol/run-events.js';

/** What a run's journal tells about its attempts, read back for a resumed run's ExecutionResult. */
export interface RecordedAttempts {
  /** Epoch ms of `run_started`; `undefined` when the log does not hold it. */
  readonly startedAt: number | undefined;
  /** Epoch ms of the last step recorded; `undefined` for an empty log. */
  readonly lastRecordedAt: number | undefined;
  /** Per task, its attempts in the order they went out. */
  readonly byTask: ReadonlyMap<string, readonly AttemptRecord[]>;
  /** The stops earlier resumes recorded (`run_resumed`), oldest first. */
  readonly stops: readonly RunStop[];
}

/**
 * Every attempt a run's log records, timed as the journal timed it: an attempt went out at the
 * time of the step that logged its `task_dispatched` (a step holds what one turn of the event
 * loop did), and ended at its `result_received`'s `at`. An attempt a stop cut off is marked
 * with the `run_resumed` that sent it again (`resentAt`) and timed from there. Events that do not
 * read as run events are passed over: this is a report, replay is what checks the log.
 */
export function recordedAttempts(steps: readonly StoredStep[]): RecordedAttempts {
  const byTask = new Map<string, AttemptRecord[]>();
  const stops: RunStop[] = [];
  let startedAt: number | undefined;
  let previousAt: number | undefined;
  for (const step of steps) {
    for (const raw of step.events) {
      const parsed = RunEventSchema.safeParse(raw);
      if (!parsed.success) continue;
      const event = parsed.data;
      if (event.type === 'run_started') startedAt ??= event.at;
      else if (event.type === 'run_resumed') stops.push(resumed(byTask, event, previousAt ?? event.at));
      else if (event.type === 'task_dispatched') dispatched(byTask, event, step.at);
      else if (event.type === 'result_received') ended(byTask, event);
    }
    previousAt = step.at;
  }
  return { startedAt, lastRecordedAt: previousAt, byTask, stops };
}

function dispatched(
  byTask: Map<string, AttemptRecord[]>,
  event: Extract<RunEvent, { type: 'task_dispatched' }>,
  at: number,
): void {
  const list = byTask.get(event.task_id) ?? [];
  if (list.some((a) => a.attempt === event.attempt)) return;
  list.push({
    attempt: event.attempt,
    agent: event.agent_id,
    runtimeId: null,
    dispatchedAt: at,
    endedAt: null,
    durationMs: null,
    status: 'unfinished',
  });
  byTask.set(event.task_id, list);
}

function ended(byTask: Map<string, AttemptRecord[]>, event: Extract<RunEvent, { type: 'result_received' }>): void {
  const record = byTask.get(event.task_id)?.find((a) => a.attempt === event.attempt);
  // A result for an attempt the log never saw go out cannot be timed; a second one changes nothing.
  if (record === undefined || record.status !== 'unfinished') return;
  const o = event.outcome;
  Object.assign(record, {
    runtimeId: event.runtime_id,
    endedAt: event.at,
    durationMs: Math.max(0, event.at - (record.resentAt ?? record.dispatchedAt)),
    ...(o.ok
      ? { status: 'complete', ...(o.summary === undefined ? {} : { summary: o.summary }) }
      : { status: 'failed', error: { code: o.code, message: o.message, recoverable: o.recoverable } }),
    ...(o.usage === undefined ? {} : { usage: o.usage }),
  });
}

function resumed(
  byTask: Map<string, AttemptRecord[]>,
  event: Extract<RunEvent, { type: 'run_resumed' }>,
  lastRecordedAt: number,
): RunStop {
  for (const taskId of event.redispatched) {
    const record = byTask.get(taskId)?.findLast((a) => a.status === 'unfinished');
    if (record) record.resentAt = event.at;
  }
  return { lastRecordedAt, resumedAt: event.at, redispatched: [...event.redispatched] };
}
