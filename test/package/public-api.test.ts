import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';

/**
 * The public surface is a promise kept across versions: a value added to `switchyard` or taken
 * away must be a decision, made here and in the README's "Public API", not an accident of an
 * `export` line. The classes behind a running runtime are types only.
 */
const INTERNALS = [
  'WorkflowRun',
  'Dispatcher',
  'StateManager',
  'AgentPool',
  'sendAcknowledged',
  'taskTable',
  'taskGuards',
  'taskActions',
  'rebuild',
  'rebuiltState',
  'graphInternals',
  'defaultPrefetch',
];

describe('the public API of switchyard', () => {
  it('exports none of the runtime internals as values', () => {
    const leaked = INTERNALS.filter((name) => name in api);
    expect(leaked).toEqual([]);
  });

  it('exports what the README lists for embedding, planning, agents and time', () => {
    for (const name of [
      'createRuntime',
      'startAgentHost',
      'defineAgent',
      'AgentError',
      'step',
      'simulate',
      'ExecutionGraph',
      'DependencyResolver',
      'decompose',
      'openAiCompatible',
      'InProcessBus',
      'MemoryStore',
      'subjects',
      'SwitchyardError',
      'ErrorCodes',
      'SimulatedScheduler',
      'systemScheduler',
      'taskMachine',
    ]) {
      expect(api, name).toHaveProperty(name);
    }
  });

  it('documents every value it exports in the README (schemas by their family)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('## Public API');
    expect(start).toBeGreaterThanOrEqual(0);
    const section = readme.slice(start);
    const apiSection = section.slice(0, section.indexOf('\n## ', 1));
    const missing = Object.keys(api).filter((name) => !name.endsWith('Schema') && !apiSection.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
