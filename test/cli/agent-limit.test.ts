import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAgentLimitFlags } from '../../src/cli/agent-limit-flags.js';
import { SqliteStore } from '../../src/sqlite.js';
import { cliAsync } from '../helpers/cli.js';

const PLAN = 'examples/video-analysis/plan.json';
const AGENTS = fileURLToPath(new URL('../fixtures/agents/test-agents.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'switchyard-agent-limit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('switchyard run --agent-limit', () => {
  it('parses repeated <agent>=<n> and refuses anything else with USAGE_ERROR', () => {
    expect(parseAgentLimitFlags(['code_writer=2', 'tester=1', 'code_writer=3'])).toEqual({ code_writer: 3, tester: 1 });
    for (const bad of ['code_writer', '=2', 'code_writer=0', 'code_writer=two', 'a.b=1', 'code_writer=1.5'])
      expect(() => parseAgentLimitFlags([bad]), bad).toThrow(expect.objectContaining({ code: 'USAGE_ERROR' }));
  });

  it('runs a plan under a limit and records it with the run, so resume keeps it', async () => {
    const db = join(dir, 'runs.db');
    const ran = await cliAsync(
      'run',
      PLAN,
      '--agents',
      AGENTS,
      '--agent-limit',
      'execution_agent=1',
      '--db',
      db,
      '--run-id',
      'limited',
      '--json',
    );
    expect(ran.code).toBe(0);
    expect(JSON.parse(ran.out).status).toBe('complete');
    const store = SqliteStore.open(db);
    try {
      expect(store.getRun('limited')?.runner).toMatchObject({ agent_limits: { execution_agent: 1 } });
    } finally {
      store.close();
    }
    const bad = await cliAsync('run', PLAN, '--agents', AGENTS, '--agent-limit', 'execution_agent');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('USAGE_ERROR');
  });
});
