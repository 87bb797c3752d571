import type { AgentContext } from '../../pool/agent.js';
import type { Dispatch } from '../../protocol/dispatch-output.js';

/** How much of the inputs goes into a prompt, in characters. */
export interface InputLimits {
  /** Of one input. */
  readonly perInput: number;
  /** Of all inputs together. */
  readonly total: number;
}

/** One input ref as a prompt shows it. */
export interface InputDoc {
  readonly refId: string;
  readonly uri: string | null;
  /** Its text (cut to the limits), or `undefined` for binary content, which is described, not shown. */
  readonly text: string | undefined;
  /** Size of the whole input: characters of text, or bytes of binary. */
  readonly size: number;
  /** Characters left out to stay within the limits. */
  readonly omitted: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The bytes as text, or `undefined` when they are not UTF-8 text (invalid UTF-8, or a NUL byte). */
function asText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Reads every resolved input ref through the attempt's storage, in the dispatch's order, and cuts
 * each to `limits.perInput` characters and all together to `limits.total` (later inputs get what
 * earlier ones left). Binary inputs are counted, not inlined. A read failure fails the attempt
 * with the storage's code (seed 003: a missing artifact is not recoverable).
 */
export async function readInputs(dispatch: Dispatch, ctx: AgentContext, limits: InputLimits): Promise<InputDoc[]> {
  const docs: InputDoc[] = [];
  let budget = limits.total;
  for (const ref of dispatch.input_refs_resolved) {
    const bytes = await ctx.read(ref.ref_id);
    const text = asText(bytes);
    if (text === undefined) {
      docs.push({ refId: ref.ref_id, uri: ref.storage_uri, text: undefined, size: bytes.byteLength, omitted: 0 });
      continue;
    }
    const kept = Math.max(0, Math.min(text.length, limits.perInput, budget));
    budget -= kept;
    docs.push({
      refId: ref.ref_id,
      uri: ref.storage_uri,
      text: text.slice(0, kept),
      size: text.length,
      omitted: text.length - kept,
    });
  }
  return docs;
}

/** A Markdown code fence longer than any run of backticks in `text`, so the text cannot close it. */
function fenceFor(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/gu) ?? []).map((run) => run.length));
  return '`'.repeat(Math.max(3, longest + 1));
}

/** One input as a Markdown section: heading, where it is, its text fenced, and what was cut. */
export function inputSection(doc: InputDoc): string {
  const head = `### Input ${doc.refId}${doc.uri ? ` (${doc.uri})` : ''}`;
  if (doc.text === undefined) return `${head}\n\nBinary content, ${doc.size} bytes: described, not shown.`;
  const fence = fenceFor(doc.text);
  const cut =
    doc.omitted > 0
      ? `\n\n[Truncated: ${doc.text.length} of ${doc.size} characters shown; ${doc.omitted} left out to keep the prompt bounded.]`
      : '';
  return `${head}\n\n${fence}text\n${doc.text}\n${fence}${cut}`;
}

/** The sentence a prompt or report ends its inputs with when any was cut. */
export function truncationNote(docs: readonly InputDoc[], limits: InputLimits): string | undefined {
  const cut = docs.filter((d) => d.omitted > 0).map((d) => d.refId);
  if (cut.length === 0) return undefined;
  return `Some inputs were truncated (${cut.join(', ')}): each input is limited to ${limits.perInput} characters and all inputs together to ${limits.total}. Do not assume the cut parts say anything.`;
}
