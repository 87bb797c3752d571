import { isMainThread, receiveMessageOnPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { configure } from './sqlite-connection.js';
import { asStoreError } from './sqlite-errors.js';
import { asBuffer } from './binary-layout.js';
import { type StepRow, writeStatements, writeStepRow } from './sqlite-step-rows.js';
import { compressed } from './stored-text.js';
import {
  STATE,
  type WriterReply,
  type WriterRequest,
  writerData,
  WriterState,
  WRITTEN,
} from './sqlite-writer-protocol.js';

// The thread a SqliteStore writes steps on: it commits the rows the store hands it, so SQLite's
// work — and, with synchronous=FULL, its fsyncs — stays off the thread that runs the workflow.
if (isMainThread)
  throw new Error(
    'switchyard: the SQLite writer entry runs in the thread a SqliteStore starts, not on the main thread.',
  );

const { path, synchronous, shared, port } = writerData(workerData);
const slots = new Int32Array(shared);

function settle(state: number, rows: number): void {
  if (rows > 0) Atomics.add(slots, WRITTEN, rows);
  if (state !== WriterState.running) Atomics.store(slots, STATE, state);
  Atomics.notify(slots, WRITTEN);
  Atomics.notify(slots, STATE);
}

function fail(error: unknown): void {
  const reply: WriterReply = { type: 'failed', error: asStoreError(error, path).toJSON() };
  port.postMessage(reply);
}

// However the thread ends — an uncaught error, an exit — the host stops waiting for it at once
// rather than at its drain limit: a thread still marked running is marked broken on its way out.
process.on('exit', () => {
  if (Atomics.load(slots, STATE) === WriterState.running) settle(WriterState.broken, 0);
});

let db: Database.Database | undefined;
try {
  db = new Database(path, { fileMustExist: true });
  configure(db, synchronous);
} catch (error) {
  fail(error);
  settle(WriterState.broken, 0);
  port.close();
}

if (db) {
  const connection = db;
  const q = writeStatements(connection);
  /** A row and the compressed parts of its plan that came ahead of it. */
  type Pending = readonly [StepRow, readonly Buffer[]];
  const writeAll = connection.transaction((rows: readonly Pending[]) => {
    for (const [row, parts] of rows) writeStepRow(q, path, row, parts);
  });
  let broken = false;
  /** Parts of the plan of the next row that carries one, compressed as they come. */
  let planParts: Buffer[] = [];

  port.on('message', (first: WriterRequest) => {
    // Whatever else has arrived meanwhile goes into the same transaction: one commit (and,
    // with synchronous=FULL, one fsync) for every step waiting, each step whole or not at all.
    const rows: Pending[] = [];
    let close = false;
    for (
      let m: WriterRequest | undefined = first;
      m;
      m = receiveMessageOnPort(port)?.message as WriterRequest | undefined
    ) {
      if (m.type === 'close') close = true;
      else if (m.type === 'plan-part') {
        // Nothing more is written once a write failed: no need to compress for it.
        if (!broken) planParts.push(compressed(asBuffer(m.part)));
      } else if (m.type === 'plan-dropped') planParts = [];
      else for (const row of m.rows) rows.push([row, row.accepted ? planParts.splice(0, row.accepted.parts) : []]);
    }
    if (rows.length > 0 && !broken) {
      try {
        writeAll(rows);
      } catch {
        // Find the step that failed: the ones before it are written, it and the rest are not.
        for (const pending of rows) {
          try {
            writeAll([pending]);
          } catch (error) {
            broken = true;
            fail(error);
            break;
          }
        }
      }
    }
    if (close) {
      connection.close();
      port.close();
    }
    settle(close ? WriterState.closed : broken ? WriterState.broken : WriterState.running, rows.length);
  });
}
