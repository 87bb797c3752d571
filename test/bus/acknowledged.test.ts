import { afterEach, describe, expect, it } from 'vitest';
import { sendAcknowledged } from '../../src/bus/acknowledged.js';
import { InProcessBus, ResultsAcceptedSchema, type SwitchyardError } from '../../src/index.js';
import { networkLike } from '../helpers/network-like-bus.js';

describe('sendAcknowledged checks the reply it takes for an acknowledgement', () => {
  let inner: InProcessBus;
  afterEach(async () => inner.close());

  it('sends again after a reply that is not the acknowledgement, and stops at the first one that is', async () => {
    inner = new InProcessBus();
    const replies: unknown[] = [{ type: 'Hello' }, null, { type: 'ResultsAccepted', count: 1 }];
    let asked = 0;
    inner.subscribe('x.results', (m) => inner.respond(m, replies[asked++]));
    const acknowledged = new Promise<void>((resolve) =>
      sendAcknowledged(
        networkLike(inner),
        'x.results',
        { n: 1 },
        { accepts: ResultsAcceptedSchema, backoffMs: 1, onAcknowledged: resolve },
      ),
    );
    await acknowledged;
    expect(asked).toBe(3);
  });

  it('stops at an Error reply and reports the refusal with its code', async () => {
    inner = new InProcessBus();
    let asked = 0;
    inner.subscribe('x.results', (m) => {
      asked++;
      inner.respond(m, { type: 'Error', code: 'RESULT_MISMATCH', message: 'not yours' });
    });
    const refused = await new Promise<SwitchyardError>((resolve) =>
      sendAcknowledged(
        networkLike(inner),
        'x.results',
        { n: 1 },
        {
          accepts: ResultsAcceptedSchema,
          backoffMs: 1,
          onRefused: resolve,
          onAcknowledged: () => resolve(new Error('acknowledged') as SwitchyardError),
        },
      ),
    );
    expect(refused.code).toBe('RESULT_MISMATCH');
    expect(asked).toBe(1);
  });
});
