import { describe, expect, it } from 'vitest';
import { HeldAttempts } from '../../src/pool/held-attempts.js';

describe('HeldAttempts', () => {
  it('takes a trigger once per runtime, counts what every runtime holds, and forgets a runtime dropped', () => {
    const held = new HeldAttempts(true);
    expect(held.take('r1', 'a', 't0')).toBe(true);
    expect(held.take('r1', 'a', 't0')).toBe(false);
    expect(held.take('r1', 'b', 't0')).toBe(true);
    expect(held.take('r2', 'c', 't0')).toBe(true);
    expect(held.count).toBe(3);
    expect(held.holds('r1', 'b')).toBe(true);
    expect(held.holds('r2', 'b')).toBe(false);
    held.release('r1', ['a', 'a', 'nope']);
    expect(held.count).toBe(2);
    expect(held.drop('r1')).toEqual(['b']);
    expect(held.of('r1')).toEqual([]);
    expect(held.count).toBe(1);
  });

  it('on an unreliable bus, runs a repeat sent again after its result went, unless given back', () => {
    const held = new HeldAttempts(false);
    expect(held.take('r1', 'a', 't0')).toBe(true);
    held.release('r1', ['a']);
    // The same message sent again (same send time): a repeat.
    expect(held.take('r1', 'a', 't0')).toBe(false);
    // A later run reusing the request id sends it anew.
    expect(held.take('r1', 'a', 't1')).toBe(true);
    held.giveBack('r1', 'a');
    expect(held.take('r1', 'a', 't1')).toBe(true);
  });

  it('resolves empty() when the last attempt held is released, not before', async () => {
    const held = new HeldAttempts(true);
    await held.empty();
    held.take('r1', 'a', 't0');
    held.take('r1', 'b', 't0');
    let empty = false;
    const waiting = held.empty().then(() => (empty = true));
    held.release('r1', ['a']);
    await Promise.resolve();
    expect(empty).toBe(false);
    held.drop('r1');
    await waiting;
    expect(empty).toBe(true);
  });
});
