import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeOutcome,
  decodeRequest,
  encodeOutcome,
  encodeRequest,
  type Outcome,
  OUTCOME_SLOTS,
  REQUEST_SLOTS,
} from '../../src/pool/attempt-wire.js';
import type { ExecuteRequest } from '../../src/pool/worker-protocol.js';
import { step } from '../../src/index.js';
import { dispatches } from '../helpers/runs.js';
import { examplePlan } from '../helpers/fixtures.js';

/** What the other side of a MessagePort receives: the batch after structured clone. */
function acrossThePort<T>(value: T): T {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(value);
  const received = receiveMessageOnPort(port2)?.message as T;
  port1.close();
  return received;
}

const nat = fc.nat({ max: 1_000_000 });
const progress = fc.record(
  { total_tasks: nat, completed: nat, in_progress: nat, pending: nat, failed: nat },
  { noNullPrototype: true },
);
/** A dispatch as `dispatchContent` writes it: these fields, in this order. */
const plainDispatch = fc.record(
  {
    task_id: fc.string({ minLength: 1 }),
    action: fc.string(),
    capability_ids: fc.array(fc.string({ minLength: 1 })),
    input_refs_resolved: fc.array(
      fc.record({
        ref_id: fc.string(),
        storage_uri: fc.option(fc.string(), { nil: null }),
        status: fc.constantFrom('reference', 'pending', 'stored', 'created'),
      }),
    ),
    output_refs_expected: fc.array(fc.string()),
    execution_group: fc.integer({ min: 1, max: 1000 }),
    attempt: fc.integer({ min: 1, max: 10 }),
    workflow_progress: progress,
  },
  { noNullPrototype: true },
);
/** Dispatches a remote planner may send: extra fields, fields in another order, extra progress fields. */
const oddDispatch = fc.oneof(
  plainDispatch.chain((d) =>
    fc
      .dictionary(
        fc.string().filter((k) => !(k in d) && k !== '__proto__'),
        fc.jsonValue(),
        { minKeys: 1 },
      )
      .map((extra) => ({ ...d, ...extra })),
  ),
  plainDispatch.map(({ task_id, ...rest }) => ({ ...rest, task_id })),
  plainDispatch.map((d) => ({ ...d, workflow_progress: { ...d.workflow_progress, skipped: 1 } })),
);
const request = (dispatch: fc.Arbitrary<object>) =>
  fc.record({
    request_id: fc.string({ minLength: 1 }),
    workflow_id: fc.string({ minLength: 1 }),
    agent_id: fc.string({ minLength: 1 }),
    dispatch,
  }) as fc.Arbitrary<ExecuteRequest>;

describe('attempt wire', () => {
  it('carries every attempt across a port as it was, key order included, plain or not', () => {
    fc.assert(
      fc.property(fc.array(request(fc.oneof(plainDispatch, oddDispatch)), { maxLength: 20 }), (requests) => {
        const batch: unknown[] = [];
        requests.forEach((r, i) => encodeRequest(batch, i + 1, r));
        expect(batch.length).toBe(requests.length * REQUEST_SLOTS);
        const received = acrossThePort(batch);
        const decoded = requests.map((_, i) => decodeRequest(received, i * REQUEST_SLOTS));
        expect(decoded.map((d) => d.seq)).toEqual(requests.map((_, i) => i + 1));
        for (const [i, d] of decoded.entries()) {
          expect(d.request).toStrictEqual(acrossThePort(requests[i]));
          expect(JSON.stringify(d.request.dispatch)).toBe(JSON.stringify(requests[i].dispatch));
        }
      }),
    );
  });

  it('sends a plain dispatch as slots, and any other as the object itself', () => {
    fc.assert(
      fc.property(request(plainDispatch), request(oddDispatch), (plain, odd) => {
        const batch: unknown[] = [];
        encodeRequest(batch, 1, plain);
        encodeRequest(batch, 2, odd);
        expect(batch[4]).toBe(plain.dispatch.task_id);
        expect(batch[REQUEST_SLOTS + 4]).toBe(odd.dispatch);
      }),
    );
  });

  it('sends as slots the dispatches the dispatch core writes', () => {
    const sent = dispatches(step(undefined, examplePlan()).messages);
    expect(sent.length).toBeGreaterThan(0);
    for (const m of sent) {
      const batch: unknown[] = [];
      encodeRequest(batch, 1, {
        request_id: 'r',
        workflow_id: 'w',
        agent_id: 'execution_agent',
        dispatch: m.output.content.dispatch,
      });
      expect(batch[REQUEST_SLOTS - 1]).toBe(1);
    }
  });

  it('carries outcomes across a port, an empty output as 0', () => {
    const output = fc.record(
      {
        summary: fc.string(),
        output_refs_produced: fc.array(fc.record({ ref_id: fc.string(), storage_uri: fc.string() })),
      },
      { requiredKeys: [] },
    );
    const error = fc.record({ name: fc.string(), code: fc.string(), message: fc.string(), recoverable: fc.boolean() });
    const outcome: fc.Arbitrary<Outcome> = fc.oneof(
      output.map((o) => ({ ok: true as const, output: o })),
      error.map((e) => ({ ok: false as const, error: e })),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(nat, outcome), { maxLength: 20 }), (outcomes) => {
        const batch: unknown[] = [];
        for (const [seq, o] of outcomes) encodeOutcome(batch, seq, o);
        const received = acrossThePort(batch);
        const decoded = outcomes.map((_, i) => decodeOutcome(received, i * OUTCOME_SLOTS));
        expect(decoded).toStrictEqual(acrossThePort(outcomes).map(([seq, o]) => ({ seq, outcome: o })));
        outcomes.forEach(([, o], i) => {
          if (o.ok && Object.keys(o.output).length === 0) expect(batch[i * OUTCOME_SLOTS + 2]).toBe(0);
        });
      }),
    );
  });
});
