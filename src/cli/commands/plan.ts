import { writeFileSync } from 'node:fs';
import { ExecutionGraph } from '../../graph/execution-graph.js';
import { type Decomposition, decompose } from '../../planning/decompose.js';
import { ErrorCodes, SwitchyardError } from '../../protocol/errors.js';
import { parseCommandArgs, positionals } from '../args.js';
import { summarize } from '../graph-summary.js';
import type { Output } from '../io.js';
import { readSpecFile, specFormat } from '../spec-input.js';
import { llmFlags, llmFlagsHelp, llmFromFlags } from '../llm-flags.js';
import { nonNegativeInt } from '../numeric-flags.js';

export const planHelp = `Usage: switchyard plan <spec.md|spec.json|-> [-o plan.json] [options]

Turns a specification (Markdown or JSON; see examples/specs/) into a plan that
\`validate\`, \`run\` and \`step\` take as it is. The pattern rules plan by default: no
network, and the same specification always gives the same plan. With --llm, a model
drafts the tasks; its problems go back to it for repair, and when it fails the pattern
rules plan instead and say why. Prints a summary; the plan goes to -o, else to stdout.

  -o, --output <file>   write the plan here (the summary then goes to stdout)
  --format <md|json>    how the specification is written (default: from the file name,
                        else JSON when it starts with \`{\`)
  --resolve-cycles      break dependency cycles at their weakest edge (never a data
                        edge), listing each one removed, instead of refusing the plan
  --llm-dependencies    then ask the model for logical dependencies the plan misses; it
                        keeps those that name existing tasks and leave no cycle (marked
                        origin "model") and lists the ones it refused
  --timestamp <iso>     the plan's metadata.timestamp (default: none, for repeatable output)
  --json                print the summary (and, without -o, the plan) as JSON on stdout
${llmFlagsHelp}`;

/** Human lines about a decomposition: tasks by type, groups, critical path, what the model did. */
export function planSummary(done: Decomposition): { lines: string[]; facts: Record<string, unknown> } {
  const graph = ExecutionGraph.fromPlan(done.plan);
  const summary = summarize(graph);
  const byType: Record<string, number> = {};
  for (const id of graph.taskIds()) {
    const type = String(graph.task(id)?.task_type ?? 'unknown');
    byType[type] = (byType[type] ?? 0) + 1;
  }
  const r = done.report;
  const how =
    r.decomposer === 'llm'
      ? `planned by ${r.model} at ${r.endpoint}: ${r.calls} call${r.calls === 1 ? '' : 's'}, ${r.repairs} repair${r.repairs === 1 ? '' : 's'}${r.usage ? `, ${r.usage.totalTokens} tokens` : ''}, ${Math.round(r.latency_ms ?? 0)} ms`
      : r.fallback
        ? `planned by the pattern rules: the model path failed (${r.fallback.code}): ${r.fallback.reason}`
        : 'planned by the pattern rules';
  const lines = [
    `  ${how}`,
    `  tasks ${summary.tasks}: ${Object.entries(byType)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ')}`,
    `  groups ${summary.groups} · widest group ${summary.max_parallel_width} · depth ${summary.depth}`,
    `  critical path (weight ${summary.critical_path.weight}): ${summary.critical_path.tasks.join(' → ')}`,
    ...analysisLines(r),
    ...r.removed.map(
      (d) =>
        `  removed ${d.from} → ${d.task_id} (${d.origin} ${d.type}: ${d.reason}) ${d.because === 'cycle' ? `to break the cycle ${d.cycle?.join(' → ')}` : 'as redundant'}`,
    ),
  ];
  return { lines, facts: { ...summary, tasks_by_type: byType, planning: r } };
}

function analysisLines(r: Decomposition['report']): string[] {
  const a = r.dependency_analysis;
  if (a === undefined) return [];
  if ('failed' in a) return [`  dependency analysis failed (${a.failed.code}): ${a.failed.reason}`];
  return [
    `  dependency analysis: the model proposed ${a.added.length + a.rejected.length}, ${a.added.length} kept`,
    ...a.added.map((d) => `  added ${d.from} → ${d.task_id} (model logical: ${d.reason})`),
    ...a.rejected.map((d) => `  refused ${d.edge.task_id} → ${d.edge.depends_on} (${d.code}): ${d.why}`),
  ];
}

/** `switchyard plan`. */
export async function planCommand(argv: string[], io: Output): Promise<number> {
  const { values, positionals: given } = parseCommandArgs('plan', argv, {
    help: { type: 'boolean', short: 'h' },
    output: { type: 'string', short: 'o' },
    format: { type: 'string' },
    'resolve-cycles': { type: 'boolean' },
    'llm-dependencies': { type: 'boolean' },
    timestamp: { type: 'string' },
    json: { type: 'boolean' },
    ...llmFlags,
  });
  if (values.help) {
    io.out(planHelp);
    return 0;
  }
  const [path] = positionals('plan', given, ['spec.md']);
  specFormat(path, values.format); // a bad --format is refused before anything is read
  if (values.timestamp !== undefined && Number.isNaN(Date.parse(values.timestamp))) {
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      `--timestamp takes an ISO 8601 time such as 2026-12-05T10:00:00+00:00, got ${JSON.stringify(values.timestamp)}.`,
      { flag: 'timestamp' },
    );
  }
  const maxRepairs = nonNegativeInt('max-repairs', values['max-repairs'], 10);
  const llm = llmFromFlags(values);
  if (values['llm-dependencies'] && !llm)
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      '--llm-dependencies asks a model: give --llm <base-url> and --model (or set SWITCHYARD_LLM_BASE_URL and SWITCHYARD_LLM_MODEL).',
      { flag: 'llm-dependencies' },
    );
  const spec = readSpecFile(path, values.format);
  const done = await decompose(spec, {
    ...(llm ? { llm } : {}),
    ...(maxRepairs === undefined ? {} : { maxRepairs }),
    resolveCycles: values['resolve-cycles'] === true,
    analyzeDependencies: values['llm-dependencies'] === true,
    ...(values.timestamp === undefined ? {} : { timestamp: values.timestamp }),
    onNotice: (message) => io.err(`switchyard plan: ${message}\n`),
  });
  if (!done.ok) {
    if (done.error.details.reason !== 'cycle') throw done.error;
    throw new SwitchyardError(
      done.error.code,
      `${done.error.message} Run with --resolve-cycles to break each cycle at its weakest edge (never a data edge), or change the specification.`,
      done.error.details,
    );
  }
  const text = `${JSON.stringify(done.value.plan, null, 2)}\n`;
  if (values.output !== undefined) {
    try {
      writeFileSync(values.output, text);
    } catch (error) {
      throw new SwitchyardError(
        ErrorCodes.FILE_ERROR,
        `Cannot write the plan to ${JSON.stringify(values.output)}: ${(error as Error).message}.`,
        { path: values.output },
      );
    }
  }
  const { lines, facts } = planSummary(done.value);
  if (values.json) {
    io.out(
      `${JSON.stringify({ ...facts, ...(values.output === undefined ? { plan: done.value.plan } : { plan_file: values.output }) }, null, 2)}\n`,
    );
    return 0;
  }
  const head = `✓ ${spec.title}: ${facts.tasks} tasks${values.output === undefined ? '' : `, written to ${values.output}`}`;
  if (values.output === undefined) {
    io.out(text);
    io.err(`${[head, ...lines].join('\n')}\n`);
  } else {
    io.out(`${[head, ...lines].join('\n')}\n`);
  }
  return 0;
}
