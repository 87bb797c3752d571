import { describe, expect, it } from 'vitest';
import { LazyAbort } from '../../src/pool/lazy-abort.js';

describe('LazyAbort', () => {
  it('gives a signal asked for after the abort already aborted, with the first reason', () => {
    const a = new LazyAbort();
    a.abort('timeout');
    a.abort('shutdown');
    expect(a.aborted).toBe(true);
    expect(a.signal.aborted).toBe(true);
    expect(a.signal.reason).toBe('timeout');
  });

  it('aborts a signal handed out before, and tells its listeners once', () => {
    const a = new LazyAbort();
    const signal = a.signal;
    let heard = 0;
    signal.addEventListener('abort', () => heard++);
    expect(signal.aborted).toBe(false);
    a.abort('cancelled');
    a.abort('again');
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe('cancelled');
    expect(a.signal).toBe(signal);
    expect(heard).toBe(1);
  });

  it('is not aborted until told', () => {
    const a = new LazyAbort();
    expect(a.aborted).toBe(false);
    expect(a.reason).toBeUndefined();
    expect(a.signal.aborted).toBe(false);
  });
});
