import type { Bus, BusMessage, Subscription } from '../bus/bus.js';
import type { Subjects } from '../protocol/subjects.js';

/** What a run's supervisor takes in: results (one or a batch), placements and progress of its attempts. */
export interface RunInbox {
  result(message: BusMessage): void;
  results(message: BusMessage): void;
  placed(message: BusMessage): void;
  progress(message: BusMessage): void;
}

type Kind = keyof RunInbox;

const KINDS: ReadonlyArray<readonly [Kind, (subjects: Subjects) => string]> = [
  ['result', (s) => s.patterns.results()],
  ['results', (s) => s.patterns.resultBatches()],
  ['placed', (s) => s.patterns.placed()],
  ['progress', (s) => s.patterns.progress()],
];

/** Subscribes one inbox to everything a run hears (a run on its own, without a router). */
export function subscribeInbox(bus: Bus, subjects: Subjects, inbox: RunInbox): Subscription[] {
  return KINDS.map(([kind, pattern]) => bus.subscribe(pattern(subjects), (m) => inbox[kind](m)));
}

/**
 * Hears results, placements and progress once for every run of a runtime and hands each
 * message to the runs it concerns, instead of every run subscribing to all of them (each
 * run then handled every other run's messages too: the cost of a result grew with the
 * number of runs). A message concerns a run when a request id in it starts with the run's
 * id and `_` — how the supervisor names its requests; each run still checks the id itself.
 */
export class RunRouter {
  readonly #runs = new Map<string, RunInbox>();
  readonly #subs: Subscription[];
  /** Runs whose id holds a `_`: while there are none, a request id names at most one run. */
  #underscored = 0;

  constructor(bus: Bus, subjects: Subjects) {
    this.#subs = KINDS.map(([kind, pattern]) => bus.subscribe(pattern(subjects), (m) => this.#route(kind, m)));
  }

  /** Routes the messages of `runId` to `inbox` until the returned subscription is dropped. */
  add(runId: string, inbox: RunInbox): Subscription {
    if (this.#runs.has(runId)) throw new Error(`run ${runId} is routed already`);
    this.#runs.set(runId, inbox);
    if (runId.includes('_')) this.#underscored++;
    return {
      pattern: `run ${runId}`,
      unsubscribe: () => {
        if (this.#runs.get(runId) !== inbox) return;
        this.#runs.delete(runId);
        if (runId.includes('_')) this.#underscored--;
      },
    };
  }

  close(): void {
    for (const s of this.#subs) s.unsubscribe();
    this.#runs.clear();
    this.#underscored = 0;
  }

  #route(kind: Kind, message: BusMessage): void {
    const data = message.data as { request_id?: unknown; results?: unknown } | null;
    const to: RunInbox[] = [];
    if (kind !== 'results') this.#concerned(data?.request_id, to);
    else if (Array.isArray(data?.results))
      for (const r of data.results) this.#concerned((r as { request_id?: unknown } | null)?.request_id, to);
    for (const inbox of to) inbox[kind](message);
  }

  /** Adds (once) the runs whose id, followed by `_`, begins `requestId`. */
  #concerned(requestId: unknown, to: RunInbox[]): void {
    if (typeof requestId !== 'string') return;
    const first = requestId.indexOf('_');
    // No run id holds a `_`: only the part before the first one can be a run's.
    const last = this.#underscored === 0 ? first : requestId.lastIndexOf('_');
    for (let i = first; i > 0 && i <= last; i = requestId.indexOf('_', i + 1)) {
      const inbox = this.#runs.get(requestId.slice(0, i));
      if (inbox && !to.includes(inbox)) to.push(inbox);
    }
  }
}
