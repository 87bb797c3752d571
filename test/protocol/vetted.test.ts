import { describe, expect, it } from 'vitest';
import { WithdrawTriggersSchema } from '../../src/protocol/runtime-events.js';
import { parseUnlessVetted, vet } from '../../src/protocol/vetted.js';

describe('parseUnlessVetted', () => {
  it('takes a vetted message as it is (the very object), and parses a copy of it in full', () => {
    const message = vet({ type: 'WithdrawTriggers' as const, request_ids: ['r1_task_1_1'] });
    const vetted = parseUnlessVetted(WithdrawTriggersSchema, message, 'WithdrawTriggers');
    expect(vetted).toEqual({ ok: true, value: message });
    expect(vetted.ok && vetted.value).toBe(message);
    const copy = parseUnlessVetted(WithdrawTriggersSchema, { ...message }, 'WithdrawTriggers');
    expect(copy.ok && copy.value).not.toBe(message);
    expect(copy).toEqual({ ok: true, value: message });
  });

  it('answers a malformed message with INVALID_INPUT naming what was read, by one name or by its tagged kind', () => {
    const one = parseUnlessVetted(
      WithdrawTriggersSchema,
      { type: 'WithdrawTriggers', request_ids: 'r1' },
      'WithdrawTriggers',
    );
    expect(one.ok).toBe(false);
    if (!one.ok) {
      expect(one.error.code).toBe('INVALID_INPUT');
      expect(one.error.message).toMatch(/^The WithdrawTriggers does not match/);
    }
    const tagged = parseUnlessVetted(WithdrawTriggersSchema, { type: 'Hello' }, ['WithdrawTriggers', 'Other']);
    expect(!tagged.ok && tagged.error.message).toMatch(/^The WithdrawTriggers or Other does not match/);
  });
});
