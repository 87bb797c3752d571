import { describe, expect, it } from 'vitest';
import { messageJsonSchema, messageNames, type SwitchyardError } from '../../src/index.js';

describe('messageJsonSchema', () => {
  it.each(messageNames)('exports %s as a JSON Schema object', (name) => {
    const schema = messageJsonSchema(name);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.title).toBe(name);
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties as object).length).toBeGreaterThan(0);
  });

  it('describes the plan envelope down to the task fields', () => {
    const text = JSON.stringify(messageJsonSchema('plan'));
    for (const field of ['capability_ids', 'depends_on', 'input_refs', 'execution_groups', 'source_refs'])
      expect(text).toContain(field);
  });

  it('refuses an unknown name with VALIDATION_ERROR listing the known ones', () => {
    try {
      messageJsonSchema('nope');
      expect.unreachable();
    } catch (error) {
      expect((error as SwitchyardError).code).toBe('VALIDATION_ERROR');
      expect((error as SwitchyardError).details.known).toEqual(messageNames);
    }
  });
});
