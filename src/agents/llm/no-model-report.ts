import type { Dispatch } from '../../protocol/dispatch-output.js';
import type { InputDoc, InputLimits } from './inputs.js';
import { complianceNotes } from './task-prompt.js';
import { inputSection, truncationNote } from './inputs.js';

/** The sentence that opens a report made without a model, and the start of its summary. */
export const NO_MODEL =
  'No language model is configured, so this report assembles the task’s inputs without synthesis: nothing in it was written or checked by a model.';

/**
 * The reasoning agent's documented answer when no model is configured: a Markdown report of
 * the task, its partial-input notes and its inputs as they are (bounded as a prompt would be),
 * saying plainly at the top that nothing was synthesized and how to configure a model.
 */
export function noModelReport(dispatch: Dispatch, docs: readonly InputDoc[], limits: InputLimits): string {
  const parts = [
    `# ${dispatch.task_id}: ${dispatch.action}`,
    `> ${NO_MODEL} Configure one (the agent's \`llm\` option, or SWITCHYARD_LLM_BASE_URL and SWITCHYARD_LLM_MODEL) to have them synthesized.`,
  ];
  const notes = complianceNotes(dispatch);
  if (notes.length > 0) parts.push(`## Partial input\n\n${notes.map((n) => `- ${n}`).join('\n')}`);
  parts.push(docs.length === 0 ? '## Inputs\n\nThe task has no inputs.' : `## Inputs (${docs.length})`);
  for (const doc of docs) parts.push(inputSection(doc));
  const cut = truncationNote(docs, limits);
  if (cut !== undefined) parts.push(cut);
  return `${parts.join('\n\n')}\n`;
}
