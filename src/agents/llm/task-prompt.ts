import { z } from 'zod';
import type { Dispatch } from '../../protocol/dispatch-output.js';
import { type InputDoc, type InputLimits, inputSection, truncationNote } from './inputs.js';

const NotesSchema = z.array(z.string()).catch([]);

/**
 * What a fusion task dispatched on partial input says is missing: the `compliance_notes` the
 * runtime adds to such a dispatch (the same sentences as the seed-003 envelope's
 * `audit.compliance_notes`); none for any other dispatch.
 */
export function complianceNotes(dispatch: Dispatch): string[] {
  return NotesSchema.parse((dispatch as { compliance_notes?: unknown }).compliance_notes ?? []);
}

/** The task part of a prompt: the action, what is missing, and the inputs, in Markdown. */
export function taskPrompt(dispatch: Dispatch, docs: readonly InputDoc[], limits: InputLimits): string {
  const parts = [
    `## Task ${dispatch.task_id}`,
    dispatch.action,
    `Capabilities: ${dispatch.capability_ids.join(', ') || 'none'}. Expected outputs: ${dispatch.output_refs_expected.join(', ') || 'none'}.`,
  ];
  const notes = complianceNotes(dispatch);
  if (notes.length > 0)
    parts.push(
      `## Partial input\n\nThis task runs on partial input; say in the answer what could not be covered.\n\n${notes.map((n) => `- ${n}`).join('\n')}`,
    );
  parts.push(docs.length === 0 ? '## Inputs\n\nNone.' : `## Inputs (${docs.length})`);
  for (const doc of docs) parts.push(inputSection(doc));
  const cut = truncationNote(docs, limits);
  if (cut !== undefined) parts.push(cut);
  return parts.join('\n\n');
}

/** A line of `text` for a result summary: its first non-empty line, at most 200 characters. */
export function firstLine(text: string): string {
  const line =
    text
      .split('\n')
      .find((l) => l.trim() !== '')
      ?.trim() ?? '';
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}
