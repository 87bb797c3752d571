import type Database from 'better-sqlite3';
import { encodeEvents } from './binary-events.js';
import { asBuffer } from './binary-layout.js';
import { encodeJson, encodeJsonParts } from './binary-json.js';
import type { RunStepMessage } from '../protocol/run-events.js';
import { applyStep, type RunHead, type StepFacts } from './step-write.js';
import { compressed, joinFrames, storedText } from './stored-text.js';

export interface WriteStatements {
  readonly head: Database.Statement;
  readonly insertRun: Database.Statement;
  readonly insertPlan: Database.Statement;
  readonly updateRun: Database.Statement;
  readonly insertStep: Database.Statement;
  readonly lastCheckpointSeq: Database.Statement;
  readonly insertCheckpoint: Database.Statement;
  readonly dropCheckpointsBefore: Database.Statement;
  readonly dropStepsThrough: Database.Statement;
}

/** `format` of a log row written by `encodeEvents` (and, before schema 5, of a plan: `encodeJson`'s bytes, compressed whole). */
export const BINARY = 1;
/** `format` of a plan since schema 5: `encodeJson`'s bytes in parts, each compressed on its own ({@link joinFrames}). */
export const BINARY_FRAMES = 2;

/**
 * One step, encoded and ready for SQLite: plain data (bytes and strings) that can cross to the
 * writer thread. Encoding needs the step's objects, so it happens where they live; compressing
 * and writing happen where the connection is.
 */
export interface StepRow {
  readonly facts: StepFacts;
  /** When the store was given the step (the run row's created / updated time). */
  readonly now: number;
  readonly at: number;
  /** The events in the layout of `binary-events.ts`. */
  readonly events: Uint8Array;
  /**
   * On a run's first step: the run's fixed fields, JSON, and its plan in the layout of
   * `binary-json.ts` — the last of its parts, after `parts` sent ahead ({@link stepRow}).
   */
  readonly accepted?: {
    readonly options: string;
    readonly session_id: string | null;
    readonly request_id: string | null;
    readonly runner: string | null;
    readonly plan: Uint8Array;
    readonly parts: number;
  };
  /** JSON texts. */
  readonly checkpoint?: string;
  readonly result?: string;
}

/**
 * `step` (whose {@link StepFacts} are `facts`) as a {@link StepRow}. A large plan is encoded in
 * parts: each but the last goes to `sendPart` as soon as it is made (the writer thread
 * compresses it meanwhile); without `sendPart` the row carries the whole plan.
 */
export function stepRow(
  step: RunStepMessage,
  facts: StepFacts,
  now: number,
  sendPart?: (part: Buffer) => void,
): StepRow {
  const a = step.accepted;
  let accepted: StepRow['accepted'];
  if (a) {
    let parts = 0;
    const countAndSend = (part: Buffer): void => {
      parts++;
      sendPart?.(part);
    };
    const plan = sendPart ? encodeJsonParts(a.plan, countAndSend) : encodeJson(a.plan);
    accepted = {
      options: JSON.stringify(a.options),
      session_id: a.session_id ?? null,
      request_id: a.request_id ?? null,
      runner: a.runner ? JSON.stringify(a.runner) : null,
      plan: plan ?? Buffer.from('null'),
      parts,
    };
  }
  return {
    facts,
    now,
    at: step.at,
    events: encodeEvents(step.events),
    ...(accepted ? { accepted } : {}),
    ...(step.checkpoint ? { checkpoint: JSON.stringify(step.checkpoint) } : {}),
    ...(step.result ? { result: JSON.stringify(step.result) } : {}),
  };
}

/** The statements that write steps. */
export function writeStatements(db: Database.Database): WriteStatements {
  return {
    head: db.prepare('SELECT created_at, ended_at, last_seq FROM runs WHERE run_id = ?'),
    insertRun: db.prepare(
      'INSERT INTO runs (run_id, status, total, completed, failed, skipped, in_progress, created_at, updated_at, ended_at, last_seq, options, session_id, request_id, runner, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    insertPlan: db.prepare('INSERT INTO run_plans (run_id, plan, format) VALUES (?, ?, ?)'),
    updateRun: db.prepare(
      'UPDATE runs SET status = ?, total = ?, completed = ?, failed = ?, skipped = ?, in_progress = ?, updated_at = ?, ended_at = ?, last_seq = ?, result = coalesce(?, result) WHERE run_id = ?',
    ),
    insertStep: db.prepare('INSERT INTO events (run_id, seq, last_seq, at, events, format) VALUES (?, ?, ?, ?, ?, ?)'),
    lastCheckpointSeq: db.prepare('SELECT seq FROM checkpoints WHERE run_id = ? ORDER BY seq DESC LIMIT 1'),
    insertCheckpoint: db.prepare('INSERT OR REPLACE INTO checkpoints (run_id, seq, state) VALUES (?, ?, ?)'),
    dropCheckpointsBefore: db.prepare('DELETE FROM checkpoints WHERE run_id = ? AND seq < ?'),
    dropStepsThrough: db.prepare('DELETE FROM events WHERE run_id = ? AND last_seq <= ?'),
  };
}

/**
 * Writes one step (call inside a transaction): checks it against the run's row, updates the
 * row, appends the log row, and stores a checkpoint — dropping the log behind the one before.
 * `planParts` are the compressed parts of a first step's plan that were sent ahead of it.
 */
export function writeStepRow(
  q: WriteStatements,
  location: string,
  row: StepRow,
  planParts: readonly Uint8Array[] = [],
): void {
  const f = row.facts;
  const head = applyStep(location, q.head.get(f.run_id) as RunHead | undefined, f, row.now);
  const c = head.counts;
  const result = row.result === undefined ? null : storedText(row.result);
  if (row.accepted) {
    const a = row.accepted;
    q.insertRun.run(
      f.run_id,
      head.status,
      c.total,
      c.completed,
      c.failed,
      c.skipped,
      c.in_progress,
      head.created_at,
      head.updated_at,
      head.ended_at,
      head.last_seq,
      a.options,
      a.session_id,
      a.request_id,
      a.runner,
      result,
    );
    if (planParts.length !== a.parts)
      throw new Error(`the plan of run ${f.run_id} came in ${planParts.length} of its ${a.parts + 1} parts`);
    q.insertPlan.run(f.run_id, joinFrames([...planParts, compressed(asBuffer(a.plan))]), BINARY_FRAMES);
  } else {
    q.updateRun.run(
      head.status,
      c.total,
      c.completed,
      c.failed,
      c.skipped,
      c.in_progress,
      head.updated_at,
      head.ended_at,
      head.last_seq,
      result,
      f.run_id,
    );
  }
  q.insertStep.run(f.run_id, f.seq, head.last_seq, row.at, asBuffer(row.events), BINARY);
  if (row.checkpoint !== undefined) {
    // Keep this checkpoint and the one before it, and the log after that one.
    const previous = q.lastCheckpointSeq.get(f.run_id) as { seq: number } | undefined;
    q.insertCheckpoint.run(f.run_id, head.last_seq, storedText(row.checkpoint));
    if (previous) {
      q.dropCheckpointsBefore.run(f.run_id, previous.seq);
      q.dropStepsThrough.run(f.run_id, previous.seq);
    }
  }
}
