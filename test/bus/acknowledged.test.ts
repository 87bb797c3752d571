import { afterEach, describe, expect, it } from 'vitest';
import { sendAcknowledged } from '../../src/bus/acknowledged.js';
import { backoffDelay } from '../../src/core/backoff.js';
import { SimulatedScheduler } from '../../src/core/scheduler.js';
import { InProcessBus, ResultsAcceptedSchema, type SwitchyardError } from '../../src/index.js';
import { networkLike } from '../helpers/network-like-bus.js';

describe('sendAcknowledged checks the reply it takes for an acknowledgement', () => {
  let inner: InProcessBus;
  afterEach(async () => inner.close());

  it('sends again after a reply that is not the acknowledgement, and stops at the first one that is', async () => {
    const time = new SimulatedScheduler(0);
    inner = new InProcessBus({ scheduler: time });
    const replies: unknown[] = [{ type: 'Hello' }, null, { type: 'ResultsAccepted', count: 1 }];
    const sentAt: number[] = [];
    inner.subscribe('x.results', (m) => {
      sentAt.push(time.now());
      inner.respond(m, replies[sentAt.length - 1]);
    });
    let acknowledged = false;
    sendAcknowledged(
      networkLike(inner),
      'x.results',
      { n: 1 },
      { accepts: ResultsAcceptedSchema, backoffMs: 1, scheduler: time, onAcknowledged: () => (acknowledged = true) },
    );
    await time.advanceAsync(1000);
    expect(acknowledged).toBe(true);
    // Waits of 1 then 2 ms after the two replies that were not acknowledgements.
    expect(sentAt).toEqual([0, 1, 3]);
  });

  it('stops at an Error reply and reports the refusal with its code', async () => {
    const time = new SimulatedScheduler(0);
    inner = new InProcessBus({ scheduler: time });
    let asked = 0;
    inner.subscribe('x.results', (m) => {
      asked++;
      inner.respond(m, { type: 'Error', code: 'RESULT_MISMATCH', message: 'not yours' });
    });
    const refusals: SwitchyardError[] = [];
    let acknowledged = false;
    sendAcknowledged(
      networkLike(inner),
      'x.results',
      { n: 1 },
      {
        accepts: ResultsAcceptedSchema,
        backoffMs: 1,
        scheduler: time,
        onRefused: (error) => refusals.push(error),
        onAcknowledged: () => (acknowledged = true),
      },
    );
    await time.advanceAsync(60_000);
    expect(refusals.map((e) => e.code)).toEqual(['RESULT_MISMATCH']);
    expect(acknowledged).toBe(false);
    expect(asked).toBe(1);
  });
});

describe('sendAcknowledged waits by backoffDelay on simulated time', () => {
  let inner: InProcessBus;
  afterEach(async () => inner.close());

  /** A receiver that never answers: every try ends in a REQUEST_TIMEOUT after `ackTimeoutMs`. */
  function silentReceiver(time: SimulatedScheduler): number[] {
    const heardAt: number[] = [];
    inner.subscribe('x.silent', () => void heardAt.push(time.now()));
    return heardAt;
  }

  it('sends again after each unanswered try, waiting backoffDelay(0), (1), … capped at maxBackoffMs', async () => {
    const time = new SimulatedScheduler(0);
    inner = new InProcessBus({ scheduler: time });
    const heardAt = silentReceiver(time);
    const options = { ackTimeoutMs: 1000, backoffMs: 100, maxBackoffMs: 400 };
    sendAcknowledged(networkLike(inner), 'x.silent', { n: 1 }, { ...options, scheduler: time });
    await time.advanceAsync(5100);
    // Each try: its 1000 ms ack timeout, then 100, 200, 400, 400 ms of backoff.
    expect(heardAt).toEqual([0, 1100, 2300, 3700, 5100]);
    const rule = { initialMs: 100, factor: 2, maxMs: 400 };
    const waits = heardAt.slice(1).map((at, i) => at - heardAt[i] - options.ackTimeoutMs);
    expect(waits).toEqual([0, 1, 2, 3].map((retry) => backoffDelay(retry, rule)));
  });

  it('gives up, with the last error, at the first failure after which the next wait would pass giveUpAfterMs', async () => {
    const time = new SimulatedScheduler(0);
    inner = new InProcessBus({ scheduler: time });
    const heardAt = silentReceiver(time);
    const givenUp: Array<{ code: string; at: number }> = [];
    sendAcknowledged(
      networkLike(inner),
      'x.silent',
      { n: 1 },
      {
        ackTimeoutMs: 1000,
        backoffMs: 100,
        giveUpAfterMs: 3000,
        scheduler: time,
        onGiveUp: (error) => givenUp.push({ code: error.code, at: time.now() }),
      },
    );
    // Tries at 0, 1100 and 2300; the third times out at 3300, when waiting 400 more would pass 3000.
    await time.advanceAsync(3299);
    expect(heardAt).toEqual([0, 1100, 2300]);
    expect(givenUp).toEqual([]);
    await time.advanceAsync(1);
    expect(givenUp).toEqual([{ code: 'REQUEST_TIMEOUT', at: 3300 }]);
    await time.advanceAsync(60_000);
    expect(heardAt).toHaveLength(3);
    expect(time.pending).toBe(0);
  });
});
