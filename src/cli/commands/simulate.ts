import { simulate } from '../../core/simulate.js';
import { formatTimestamp } from '../../core/time.js';
import type { TaskDispatchMessage, WorkflowCompleteMessage } from '../../protocol/dispatch-output.js';
import { ErrorCodes, SwitchyardError } from '../../protocol/errors.js';
import type { TaskResultMessage } from '../../protocol/task-result.js';
import { parseCommandArgs, positionals } from '../args.js';
import { dispatchOptions, dispatchOptionsHelp } from '../dispatch-flags.js';
import { failFlagHelp, parseFailFlags } from '../fail-flags.js';
import type { Output } from '../io.js';
import { writeJson } from '../json-out.js';
import { asPlanMessage, readPlanFile } from '../load-graph.js';

export const simulateHelp = `Usage: switchyard simulate <plan.json|-> [--fail <task>[:recoverable[:times]]]... [options]

Drives a whole run through \`step\` with instant synthetic results and prints what
happens, step by step: dispatches, results, retries, skips and the final result. The
plan is a planning agent message or a bare workflow ({ "tasks": … }), as for run.

${failFlagHelp}  --json             print every step's input and messages as JSON instead
${dispatchOptionsHelp
  .split('\n')
  .filter((l) => !l.includes('--now') && !l.includes('metadata.timestamp'))
  .join('\n')}`;

/** `switchyard simulate`. */
export function simulateCommand(argv: string[], io: Output): number {
  const { values, positionals: given } = parseCommandArgs('simulate', argv, {
    fail: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    policy: { type: 'string' },
    'max-attempts': { type: 'string' },
    'utc-offset': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(simulateHelp);
    return 0;
  }
  const [path] = positionals('simulate', given, ['plan.json']);
  const plan = asPlanMessage(readPlanFile(path));
  const fail = parseFailFlags(values.fail ?? []);
  const run = simulate(plan, { ...dispatchOptions('simulate', values), fail });
  const first = run.steps[0]?.messages[0];
  if (first?.output.content_type === 'error') {
    io.err(`switchyard: ${first.error?.code}: ${first.error?.message}\n`);
    return 2;
  }
  const unknown = Object.keys(fail).filter((id) => run.state?.task_states[id] === undefined);
  if (unknown.length > 0)
    throw new SwitchyardError(
      ErrorCodes.USAGE_ERROR,
      `--fail names ${unknown.join(', ')}, which the plan does not have.`,
      { task_ids: unknown },
    );
  if (values.json) {
    writeJson(io.out, run.steps);
    return 0;
  }
  const offset = run.state?.switchyard.run.utc_offset_minutes ?? 0;
  for (const s of run.steps) {
    const when = formatTimestamp(s.at, offset) ?? '-';
    const input = s.input as Partial<TaskResultMessage>;
    const result = input.output?.content?.task_result;
    if (result) {
      const outcome =
        result.status === 'complete'
          ? 'completed'
          : `failed (${input.error?.recoverable ? 'recoverable' : 'not recoverable'}: ${input.error?.code})`;
      io.out(`${when}  ← ${result.task_id} attempt ${result.attempt} ${outcome}\n`);
    } else {
      io.out(`${when}  ← plan from ${(s.input as { agent?: { name?: string } }).agent?.name ?? 'the planner'}\n`);
    }
    for (const m of s.messages) {
      if (m.output.content_type === 'task_dispatch') {
        const d = (m as TaskDispatchMessage).output.content.dispatch;
        const p = d.workflow_progress;
        io.out(
          `${' '.repeat(when.length)}  → ${d.task_id} attempt ${d.attempt} to ${m.next_agent?.name} (group ${d.execution_group}; ${p.completed}/${p.total_tasks} complete)\n`,
        );
        for (const note of (m.audit?.compliance_notes as string[] | undefined) ?? [])
          io.out(`${' '.repeat(when.length)}    note: ${note}\n`);
      }
    }
  }
  const last = run.steps.at(-1)?.messages.find((m) => m.output.content_type === 'workflow_complete') as
    WorkflowCompleteMessage | undefined;
  const skipped = Object.entries(run.state?.task_states ?? {}).filter(([, t]) => t.status === 'skipped');
  for (const [id, t] of skipped) io.out(`skipped ${id}: ${t.result_summary}\n`);
  if (last) {
    const r = last.output.content.workflow_result;
    io.out(
      `\nworkflow ${r.status}: ${r.completed_tasks} complete, ${r.failed_tasks} failed, ${r.skipped_tasks} skipped of ${r.total_tasks}\n`,
    );
    if (last.error) io.out(`${last.error.code}: ${last.error.message}\n`);
    io.out(`${JSON.stringify(r, null, 2)}\n`);
  }
  return 0;
}
