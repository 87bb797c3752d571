import { describe, expect, it } from 'vitest';
import { deserializeError, isErrorCode, serializeError, SwitchyardError } from '../../src/index.js';

describe('SwitchyardError', () => {
  it('round-trips through its serialized form with code, details and cause', () => {
    const cause = new SwitchyardError('FILE_ERROR', 'Cannot read the plan.', { path: 'p.json' });
    const error = new SwitchyardError(
      'VALIDATION_ERROR',
      'task_7 reads derived_9, declared nowhere.',
      { ref_id: 'derived_9' },
      { cause },
    );
    const back = deserializeError(JSON.parse(JSON.stringify(serializeError(error))));
    expect(back).toBeInstanceOf(SwitchyardError);
    expect(back.code).toBe('VALIDATION_ERROR');
    expect(back.details).toEqual({ ref_id: 'derived_9' });
    expect((back.cause as SwitchyardError).code).toBe('FILE_ERROR');
  });

  it('serializes foreign errors as PROCESSING_ERROR and omits stacks unless asked', () => {
    expect(serializeError(new TypeError('boom'))).toEqual({
      name: 'TypeError',
      code: 'PROCESSING_ERROR',
      message: 'boom',
    });
    expect(serializeError('plain')).toEqual({ name: 'Error', code: 'PROCESSING_ERROR', message: 'plain' });
    expect(serializeError(new SwitchyardError('INVALID_INPUT', 'x'), true).stack).toContain('SwitchyardError');
  });

  it('rebuilds an unknown code as PROCESSING_ERROR', () => {
    expect(deserializeError({ name: 'X', code: 'NOPE' as never, message: 'm' }).code).toBe('PROCESSING_ERROR');
  });

  it("includes seed 003's three codes among the stable codes", () => {
    for (const code of ['INVALID_INPUT', 'PROCESSING_ERROR', 'VALIDATION_ERROR']) expect(isErrorCode(code)).toBe(true);
    expect(isErrorCode('invalid_input')).toBe(false);
  });
});
