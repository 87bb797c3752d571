import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AgentRuntimeRegisteredSchema, subjects, SwitchyardError } from '../../src/index.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof SwitchyardError ? error.code : 'not a SwitchyardError';
  }
  return undefined;
}

describe('subjects', () => {
  const s = subjects();

  it('builds the subjects of DESIGN.md under the default prefix', () => {
    expect(s.trigger('wf-1', 'execution_agent')).toBe('switchyard.commands.agent.wf-1.trigger.execution_agent');
    expect(s.registered('rt-1')).toBe('switchyard.events.agent.definition.rt-1.registered');
    expect(s.deregistered('rt-1')).toBe('switchyard.events.agent.definition.rt-1.deregistered');
    expect(s.heartbeat('rt-1')).toBe('switchyard.events.agent.definition.rt-1.heartbeat');
    expect(s.dispatchFailed('req-9')).toBe('switchyard.events.agent.instance.req-9.dispatch_failed');
    expect(s.result('req-9')).toBe('switchyard.events.agent.instance.req-9.result');
    expect(s.patterns.triggers('wf-1')).toBe('switchyard.commands.agent.wf-1.trigger.*');
  });

  it('takes a configured prefix, dotted or not', () => {
    expect(subjects('compozy').registered('r')).toBe('compozy.events.agent.definition.r.registered');
    expect(subjects('acme.prod').trigger('w', 'a')).toBe('acme.prod.commands.agent.w.trigger.a');
  });

  it.each(['a.b', 'a*', 'a>', 'a b', 'tab\there', '', 'new\nline'])('refuses the id %j with INVALID_ID', (id) => {
    expect(codeOf(() => s.registered(id))).toBe('INVALID_ID');
    expect(codeOf(() => s.trigger(id, 'agent'))).toBe('INVALID_ID');
    expect(codeOf(() => s.trigger('wf', id))).toBe('INVALID_ID');
  });

  it('refuses a bad prefix when the builders are made', () => {
    expect(codeOf(() => subjects('a..b'))).toBe('INVALID_ID');
    expect(codeOf(() => subjects('a.>'))).toBe('INVALID_ID');
  });

  it('accepts exactly the ids without . * > or whitespace (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 0, maxLength: 12 }), (id) => {
        const bad = id.length === 0 || /[.*>\s]/u.test(id);
        const code = codeOf(() => s.heartbeat(id));
        expect(code).toBe(bad ? 'INVALID_ID' : undefined);
        if (!bad) expect(s.heartbeat(id).split('.')).toHaveLength(6);
      }),
    );
  });

  it('validates ids inside runtime events with the same rule', () => {
    const event = {
      type: 'AgentRuntimeRegistered',
      runtime_id: 'rt.1',
      agents: [{ agent_id: 'execution_agent', capabilities: ['CAP-ACQ-*'] }],
      capacity: 2,
      at: '2026-02-21T10:00:01+08:00',
    };
    expect(AgentRuntimeRegisteredSchema.safeParse(event).success).toBe(false);
    expect(AgentRuntimeRegisteredSchema.safeParse({ ...event, runtime_id: 'rt-1' }).success).toBe(true);
  });
});
