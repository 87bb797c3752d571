import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { type Scheduler, systemScheduler, type Timer } from '../core/scheduler.js';
import { deserializeError, ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import type { RunStepMessage } from '../protocol/run-events.js';
import { type StepRow, stepRow } from './sqlite-step-rows.js';
import type { Synchronous } from './sqlite-synchronous.js';
import type { StepFacts } from './step-write.js';
import {
  STATE,
  type WriterData,
  type WriterReply,
  type WriterRequest,
  WriterState,
  WRITTEN,
} from './sqlite-writer-protocol.js';

/** Rows wait at most this long (ms) to be handed to the thread together, */
const HAND_OVER_MS = 1;
/** …or until this many are waiting. */
const HAND_OVER_ROWS = 64;
/** How long a drain waits for the writer thread to finish a row (or to close) before giving up on it. */
const DRAIN_LIMIT_MS = 60_000;
/** One blocking wait for the thread, at most. */
const WAIT_MS = 100;

/**
 * The host side of a SqliteStore's writer thread: hands it encoded steps without waiting, and
 * waits — blocking, with `Atomics.wait` — only when asked to ({@link drain}, {@link settle}):
 * at a run's first and last steps, before a read, and on close. The thread commits the steps
 * waiting for it together.
 */
export class SqliteWriter {
  readonly #location: string;
  readonly #slots: Int32Array;
  readonly #port: MessagePort;
  readonly #worker: Worker;
  /**
   * Rows handed to the thread, modulo 2^32 like its Int32 count of rows done (which wraps after
   * two billion): the two are compared by their difference.
   */
  #issued = 0;
  /** Rows given to {@link write} since the last hand-over. */
  #waiting: StepRow[] = [];
  readonly #scheduler: Scheduler;
  #timer: Timer | undefined;
  #failure: SwitchyardError | undefined;
  /** Whether a call has thrown {@link #failure} yet. */
  #reported = false;
  #exit: string | undefined;

  /** @param scheduler the hand-over's timer @default systemScheduler */
  constructor(path: string, synchronous: Synchronous, scheduler: Scheduler = systemScheduler) {
    this.#location = path;
    this.#scheduler = scheduler;
    const shared = new SharedArrayBuffer(8);
    this.#slots = new Int32Array(shared);
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const entry = writerEntry();
    const data: WriterData = { path, synchronous, shared, port: port2 };
    this.#worker = new Worker(entry.filename, { workerData: data, transferList: [port2], execArgv: entry.execArgv });
    // Never what keeps a process alive: a store is closed (and drained) by whoever opened it.
    this.#worker.unref();
    this.#worker.on('error', (error) => {
      this.#exit = `it failed: ${error.message}`;
    });
    this.#worker.on('exit', (code) => {
      this.#exit ??= `it exited with code ${code}`;
    });
  }

  /**
   * `step` as a row for {@link write}. The plan of a run's first step goes to the thread in
   * parts while it is encoded, so the thread compresses them meanwhile and the wait for that
   * step ({@link drain}) is short.
   */
  encode(step: RunStepMessage, facts: StepFacts, now: number): StepRow {
    if (!step.accepted) return stepRow(step, facts, now);
    try {
      return stepRow(step, facts, now, this.#sendPart);
    } catch (error) {
      this.#post({ type: 'plan-dropped' });
      throw error;
    }
  }

  /** Moves a part of a plan (which owns its memory) to the thread, without a copy. */
  readonly #sendPart = (part: Buffer): void => this.#post({ type: 'plan-part', part }, [part.buffer as ArrayBuffer]);

  #post(request: WriterRequest, transfer: ArrayBuffer[] = []): void {
    this.#port.postMessage(request, transfer);
  }

  /**
   * Hands `row` to the thread — within {@link HAND_OVER_MS}, with the rows recorded meanwhile
   * (a message per step would cost more than the thread saves). Throws (and hands nothing
   * more) once a write has failed.
   */
  write(row: StepRow): void {
    // The thread marks itself broken when a write fails: only then is there a reply to read.
    if (Atomics.load(this.#slots, STATE) !== WriterState.running) this.#collect();
    if (this.#failure) {
      this.#reported = true;
      throw this.#failure;
    }
    this.#waiting.push(row);
    if (this.#waiting.length >= HAND_OVER_ROWS) this.#handOver();
    else this.#timer ??= this.#scheduler.setTimeout(this.#handOverSoon, HAND_OVER_MS, { background: true });
  }

  readonly #handOverSoon = (): void => this.#handOver();

  #handOver(): void {
    this.#scheduler.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#waiting.length === 0) return;
    this.#post({ type: 'rows', rows: this.#waiting });
    this.#issued = (this.#issued + this.#waiting.length) | 0;
    this.#waiting = [];
  }

  /** Blocks until every row handed over is committed; throws if one could not be. */
  drain(): void {
    this.settle();
    if (this.#failure) {
      this.#reported = true;
      throw this.#failure;
    }
  }

  /**
   * Blocks until the thread has finished with every row given to {@link write}, committed or not.
   *
   * The limit on the wait reads no clock: this thread is blocked, so no scheduler's time — a
   * simulated one least of all — can move meanwhile. It counts the blocking waits that ended
   * with nothing done instead: {@link DRAIN_LIMIT_MS} of them in a row is that long without a
   * row finished.
   */
  settle(): void {
    this.#handOver();
    let idle = 0;
    for (;;) {
      const written = Atomics.load(this.#slots, WRITTEN);
      if (!behind(written, this.#issued) || Atomics.load(this.#slots, STATE) !== WriterState.running) break;
      if (this.#exit !== undefined || idle * WAIT_MS >= DRAIN_LIMIT_MS) {
        this.#failure ??= new SwitchyardError(
          ErrorCodes.FILE_ERROR,
          `Steps could not be written to the state database ${this.#location}: its writer thread stopped answering (${this.#exit ?? `nothing for ${DRAIN_LIMIT_MS / 1000} s`}).`,
          { path: this.#location },
        );
        break;
      }
      idle = Atomics.wait(this.#slots, WRITTEN, written, WAIT_MS) === 'timed-out' ? idle + 1 : 0;
    }
    this.#collect();
  }

  /**
   * Waits for the thread to finish, has it close its connection, and waits until it has. Throws
   * a failed write no call has reported yet (those steps are not on file).
   */
  close(): void {
    this.settle();
    this.#post({ type: 'close' });
    // Counted as in settle(): no clock moves while this thread waits.
    for (let waits = 0; waits * WAIT_MS < DRAIN_LIMIT_MS; waits++) {
      if (Atomics.load(this.#slots, STATE) !== WriterState.running || this.#exit !== undefined) break;
      Atomics.wait(this.#slots, STATE, WriterState.running, WAIT_MS);
    }
    this.#port.close();
    if (this.#failure && !this.#reported) throw this.#failure;
  }

  #collect(): void {
    for (let m = receiveMessageOnPort(this.#port); m; m = receiveMessageOnPort(this.#port)) {
      const reply = m.message as WriterReply;
      if (reply.type === 'failed') this.#failure ??= deserializeError(reply.error);
    }
    if (!this.#failure && Atomics.load(this.#slots, STATE) === WriterState.broken) {
      this.#failure = new SwitchyardError(
        ErrorCodes.FILE_ERROR,
        `Steps could not be written to the state database ${this.#location}: its writer thread stopped.`,
        { path: this.#location },
      );
    }
  }
}

/** Whether a count of rows done is short of a count of rows handed over, both modulo 2^32 (less than 2^31 apart). */
export function behind(done: number, issued: number): boolean {
  return ((issued - done) | 0) > 0;
}

/** The entry next to this module: `.js` from dist; from the TypeScript sources, `.ts` with tsx registered in the thread. */
export function writerEntry(): { filename: string; execArgv: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const url = new URL(fromSource ? './sqlite-writer.worker.ts' : './sqlite-writer.worker.js', import.meta.url);
  return {
    filename: fileURLToPath(url),
    execArgv: fromSource ? ['--import', new URL('../pool/register-tsx.mjs', import.meta.url).href] : [],
  };
}
