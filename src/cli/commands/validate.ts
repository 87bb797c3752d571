import type { GraphProblem } from '../../graph/problems.js';
import { ExecutionGraph } from '../../graph/execution-graph.js';
import { parseCommandArgs, positionals } from '../args.js';
import { describe, summarize } from '../graph-summary.js';
import type { Output } from '../io.js';
import { readPlanFile } from '../load-graph.js';

export const validateHelp = `Usage: switchyard validate <plan.json|-> [--json]

Checks a plan (a planning agent message or a bare workflow): unique ids, known
dependencies and refs, no cycles, execution groups consistent with dependencies.
Exits 0 when the plan is valid, 2 with every problem listed when it is not.

  --json   print the report as JSON on stdout
`;

/** `switchyard validate`: exit 0 for a valid plan, 2 with all problems listed otherwise. */
export function validateCommand(argv: string[], io: Output): number {
  const { values, positionals: given } = parseCommandArgs('validate', argv, {
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(validateHelp);
    return 0;
  }
  const [path] = positionals('validate', given, ['plan.json']);
  const built = ExecutionGraph.tryFromPlan(readPlanFile(path));
  if (!built.ok) {
    const problems = (built.error.details.problems as GraphProblem[] | undefined) ?? [
      { code: built.error.code, reason: 'schema', message: built.error.message, details: built.error.details },
    ];
    if (values.json) io.out(`${JSON.stringify({ valid: false, code: built.error.code, problems }, null, 2)}\n`);
    else {
      io.err(`✗ ${path === '-' ? 'standard input' : path} is not a valid plan\n`);
      for (const p of problems) io.err(`  ${p.code} [${p.reason}] ${p.message}\n`);
      const omitted = built.error.details.omitted;
      if (typeof omitted === 'number' && omitted > 0) io.err(`  … and ${omitted} more problems\n`);
    }
    return 2;
  }
  const graph = built.value;
  const summary = summarize(graph);
  if (values.json) io.out(`${JSON.stringify({ valid: true, ...summary, warnings: graph.warnings }, null, 2)}\n`);
  else io.out(`✓ ${path} is a valid plan\n${describe(graph, summary).join('\n')}\n`);
  return 0;
}
