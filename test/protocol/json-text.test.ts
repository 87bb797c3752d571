import { describe, expect, it } from 'vitest';
import { parseJsonText } from '../../src/index.js';

describe('parseJsonText', () => {
  it('parses valid JSON, including keys and strings with escapes', () => {
    const parsed = parseJsonText('{"a\\"b": "x\\\\", "list": [{"k": 1}, {"k": 2}]}', 'input');
    expect(parsed).toEqual({ ok: true, value: { 'a"b': 'x\\', list: [{ k: 1 }, { k: 2 }] } });
  });

  it('refuses a repeated task id key and names where it stands', () => {
    const text = '{"output": {"content": {"workflow": {"tasks": {"task_1": {}, "task_2": {}, "task_1": {}}}}}}';
    const parsed = parseJsonText(text, 'The plan');
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.code).toBe('INVALID_INPUT');
    expect(parsed.error.details).toEqual({ path: 'output.content.workflow.tasks', key: 'task_1' });
  });

  it('names array positions in the path of a repeated key', () => {
    const parsed = parseJsonText('{"tasks": [{"id": "a"}, {"id": "b", "id": "c"}]}', 'x');
    expect(parsed.ok ? undefined : parsed.error.details).toEqual({ path: 'tasks[1]', key: 'id' });
  });

  it('allows the same key in sibling objects', () => {
    expect(parseJsonText('[{"id": 1}, {"id": 2}, {"x": {"id": 3}}]', 'x').ok).toBe(true);
  });

  it('turns a syntax error into INVALID_INPUT', () => {
    const parsed = parseJsonText('{"a": ', 'The plan "p.json"');
    expect(parsed.ok ? undefined : parsed.error.code).toBe('INVALID_INPUT');
    expect(parsed.ok ? '' : parsed.error.message).toContain('p.json');
  });
});
