import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ExecutionResultSchema } from '../../src/index.js';
import { patternDrafts } from '../../src/planning/pattern-decomposer.js';
import { readSpecification } from '../../src/planning/read-spec.js';
import { cliAsync } from '../helpers/cli.js';
import { type OpenAiTestDouble, startOpenAiTestDouble } from '../helpers/openai-test-double.js';
import { FILESYSTEM, filesystemChildren, killAll } from '../helpers/mcp-servers.js';

const SPEC = 'examples/specs/todo-cli.md';
const AGENTS = fileURLToPath(new URL('../fixtures/agents/usage-agents.mjs', import.meta.url));
const EXECUTION_ONLY = fileURLToPath(new URL('../fixtures/agents/artifact-agents.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'switchyard-dispatch-cli-'));
const previousCwd = process.cwd();

const doubles: OpenAiTestDouble[] = [];
afterEach(async () => {
  await Promise.all(doubles.splice(0).map((d) => d.close()));
  process.chdir(previousCwd);
  killAll(filesystemChildren()); // also after a test that timed out
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `switchyard dispatch` in-process with artifacts under a fresh directory (the default root is the cwd's `.switchyard`). */
async function dispatchCli(...args: string[]) {
  const cwd = mkdtempSync(join(dir, 'cwd-'));
  process.chdir(cwd);
  try {
    return { ...(await cliAsync('dispatch', ...args)), cwd };
  } finally {
    process.chdir(previousCwd);
  }
}

/** An mcp.json mapping every capability to server-filesystem's write_file, in a fresh workspace directory. */
function mcpConfig(name: string): { workspace: string; config: string } {
  const workspace = join(dir, name);
  mkdirSync(workspace, { recursive: true });
  const config = join(dir, `${name}.mcp.json`);
  writeFileSync(
    config,
    JSON.stringify({
      servers: { fs: { command: process.execPath, args: [FILESYSTEM, workspace] } },
      capabilities: {
        'CAP-*': {
          server: 'fs',
          tool: 'write_file',
          arguments: { path: `${workspace}/{{task_id}}.md`, content: '# {{task_id}}\n\n{{action}}\n' },
        },
      },
    }),
  );
  return { workspace, config };
}

const spec = join(previousCwd, SPEC);

describe('switchyard dispatch', () => {
  it('plans, runs and reports todo-cli.md: --json prints the ExecutionResult, --report writes the Markdown, exit 3 when partial', async () => {
    const report = join(dir, 'report.md');
    const { code, out, err } = await dispatchCli(
      spec,
      '--agents',
      AGENTS,
      '--fail',
      'task_7',
      '--json',
      '--report',
      report,
    );
    expect(err).toContain('→ task_1 attempt 1 to execution_agent (group 1)'); // the first group is shown too
    expect(err).toContain('✗ task_7 attempt 1: INJECTED_FAULT');
    expect(code).toBe(3);
    const result = ExecutionResultSchema.parse(JSON.parse(out));
    expect(result).toMatchObject({ status: 'partial', successRate: 61.5, totals: { failed: 1, skipped: 4 } });
    expect(result.failures[0]).toMatchObject({ taskId: 'task_7', code: 'INJECTED_FAULT' });
    expect(result.metrics.byAgent.reasoning_agent.tokens.total_tokens).toBe(120);
    expect(readFileSync(report, 'utf8')).toBe(result.report);
    // Every artifact listed is a file its task wrote.
    for (const a of result.finalArtifacts) expect(existsSync(fileURLToPath(a.uri))).toBe(true);
  });

  it('prints the Markdown report and exits 0 when every task completes; --html writes the HTML report', async () => {
    const html = join(dir, 'report.html');
    const { code, out } = await dispatchCli(spec, '--agents', AGENTS, '--html', html);
    expect(readFileSync(html, 'utf8')).toMatch(/^<!doctype html>[^]*<g class="task st-complete" data-task="task_13"/u);
    expect(code).toBe(0);
    expect(out).toMatch(/^# Execution report: run `run-/u);
    expect(out).toContain('**complete**: 13 of 13 tasks complete (100%)');
    expect(out).toContain('| reasoning_agent | 1 | 1 | 1 | 0 |');
  });

  it('plans with a model given by --llm and --model (the model side is the OpenAI test double), and says so in the report', async () => {
    const read = readSpecification(readFileSync(spec, 'utf8'));
    if (!read.ok) throw read.error;
    const d = await startOpenAiTestDouble([
      {
        content: JSON.stringify(patternDrafts(read.value)),
        usage: { prompt_tokens: 900, completion_tokens: 600, total_tokens: 1500 },
      },
    ]);
    doubles.push(d);
    const { code, out } = await dispatchCli(
      spec,
      '--agents',
      AGENTS,
      '--llm',
      d.baseURL,
      '--model',
      'double-model',
      '--json',
    );
    expect(code).toBe(0);
    const result = ExecutionResultSchema.parse(JSON.parse(out));
    expect(result.planning).toMatchObject({ decomposer: 'llm', model: 'double-model', calls: 1 });
    expect(result.report).toContain('Planned by the model double-model.');
    expect(d.requests).toHaveLength(1);
  });

  it('records the run with --db, so runs and show find it', async () => {
    const db = join(dir, 'runs.db');
    const first = await dispatchCli(spec, '--agents', AGENTS, '--db', db, '--run-id', 'todo-1', '--json');
    expect(first.code).toBe(0);
    expect(first.err).toContain('switchyard resume todo-1 --db');
    const shown = await cliAsync('show', 'todo-1', '--db', db, '--json');
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out)).toMatchObject({ run: { run_id: 'todo-1', status: 'complete' } });
  });

  it('refuses bad input with a coded error and exit 2', async () => {
    const cases: Array<[string[], string]> = [
      [[join(dir, 'missing.md'), '--agents', AGENTS], 'FILE_ERROR'],
      [[spec, '--agents', AGENTS, '--fail', 'task_99'], 'USAGE_ERROR'],
      [[spec, '--agents', EXECUTION_ONLY], 'CAPABILITY_NOT_AVAILABLE'], // nobody serves CAP-SYN-REPORT
      [[spec, '--agents', AGENTS, '--mcp', join(dir, 'no-mcp.json')], 'INVALID_INPUT'],
      [[spec, '--agents', AGENTS, '--format', 'yaml'], 'USAGE_ERROR'],
      [[spec, '--agents', AGENTS, '--model', 'm'], 'USAGE_ERROR'], // a model but no endpoint
    ];
    for (const [args, code] of cases) {
      const r = await dispatchCli(...args);
      expect({ args, code: r.code, err: r.err.split('\n')[0] }).toEqual({
        args,
        code: 2,
        err: expect.stringContaining(`switchyard: ${code}: `),
      });
    }
  });

  it('--mcp hosts the MCP agent on the real server-filesystem: execution tasks write files through its write_file tool', async () => {
    const { workspace, config } = mcpConfig('workspace');
    const { code, out, err } = await dispatchCli(spec, '--agents', AGENTS, '--mcp', config, '--json');
    expect({ code, err: code === 0 ? '' : err }).toEqual({ code: 0, err: '' });
    const result = ExecutionResultSchema.parse(JSON.parse(out));
    // The 12 non-synthesis tasks went to the MCP agent (the last execution_agent hosted); the report to reasoning_agent.
    expect(readdirSync(workspace).sort()).toEqual(
      result.tasks
        .filter((t) => t.agent === 'execution_agent')
        .map((t) => `${t.taskId}.md`)
        .sort(),
    );
    expect(readdirSync(workspace)).toHaveLength(12);
    expect(readFileSync(join(workspace, 'task_3.md'), 'utf8')).toContain(result.tasks[2].action);
    const store1 = result.finalArtifacts.find((a) => a.refId === 'store_1');
    expect(readFileSync(fileURLToPath(store1?.uri ?? ''), 'utf8')).toMatch(/Successfully wrote to .*task_3\.md/u);
    expect(result.metrics.byAgent.execution_agent.tokens.total_tokens).toBe(0); // the MCP agent spends none
    expect(filesystemChildren()).toEqual([]); // the run's end closed the servers
  });

  it('records a --mcp run with --db so that resume, given no --agents, brings the MCP agent back', async () => {
    const { workspace, config } = mcpConfig('resumed');
    const file = join(dir, 'mcp.db');
    const ran = await dispatchCli(
      spec,
      '--agents',
      AGENTS,
      '--mcp',
      config,
      '--db',
      file,
      '--run-id',
      'mcp-1',
      '--json',
    );
    expect(ran.code).toBe(0);
    // Rewound to just after its first step: what a killed `switchyard dispatch --db` leaves.
    const sql = new Database(file);
    sql.prepare("DELETE FROM events WHERE run_id = 'mcp-1' AND seq > 3").run();
    sql.prepare("DELETE FROM checkpoints WHERE run_id = 'mcp-1'").run();
    sql
      .prepare(
        "UPDATE runs SET status = 'running', ended_at = NULL, result = NULL, last_seq = (SELECT max(last_seq) FROM events WHERE run_id = 'mcp-1') WHERE run_id = 'mcp-1'",
      )
      .run();
    sql.close();
    for (const name of readdirSync(workspace)) rmSync(join(workspace, name));
    const resumed = await cliAsync('resume', 'mcp-1', '--db', file, '--json');
    expect(resumed.code, resumed.err).toBe(0);
    expect(JSON.parse(resumed.out).status).toBe('complete');
    // The tasks run again after the rewind wrote their files through the MCP server once more.
    expect(readdirSync(workspace).length).toBeGreaterThan(0);
    expect(filesystemChildren()).toEqual([]);
  });
});
