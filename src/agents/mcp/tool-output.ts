import { AgentError } from '../../pool/agent.js';

/** One piece of a tool's result, ready to be written as an artifact. */
export interface Piece {
  readonly data: Uint8Array | string;
  readonly assetType: string;
}

interface ContentItem {
  readonly type: string;
  readonly text?: string;
  readonly data?: string;
  readonly mimeType?: string;
  readonly uri?: string;
  readonly resource?: {
    readonly uri: string;
    readonly text?: string;
    readonly blob?: string;
    readonly mimeType?: string;
  };
}

const bytes = (base64: string) => new Uint8Array(Buffer.from(base64, 'base64'));

function pieceOf(item: ContentItem): Piece {
  switch (item.type) {
    case 'text':
      return { data: item.text ?? '', assetType: 'text/plain' };
    case 'image':
    case 'audio':
      return { data: bytes(item.data ?? ''), assetType: item.mimeType ?? 'application/octet-stream' };
    case 'resource': {
      const r = item.resource;
      if (r?.text !== undefined) return { data: r.text, assetType: r.mimeType ?? 'text/plain' };
      return { data: bytes(r?.blob ?? ''), assetType: r?.mimeType ?? 'application/octet-stream' };
    }
    case 'resource_link':
      return { data: item.uri ?? '', assetType: 'text/uri-list' };
    default:
      return { data: JSON.stringify(item), assetType: 'application/json' };
  }
}

/** The pieces of a result: its content items, or its structured content when it has no content. */
export function piecesOf(result: { content?: unknown; structuredContent?: unknown }): Piece[] {
  const content = Array.isArray(result.content) ? (result.content as ContentItem[]) : [];
  if (content.length === 0 && result.structuredContent !== undefined)
    return [{ data: JSON.stringify(result.structuredContent), assetType: 'application/json' }];
  return content.map(pieceOf);
}

/**
 * Which piece each expected output gets: in order, one each, the last output taking all that
 * remain — one piece as itself, several text pieces joined by newlines, anything else as a JSON
 * array of the pieces' text or base64. Fewer pieces than outputs fails the task, not recoverably.
 */
export function assignPieces(pieces: readonly Piece[], outputs: readonly string[], tool: string): Map<string, Piece> {
  const out = new Map<string, Piece>();
  if (outputs.length === 0) return out;
  if (pieces.length < outputs.length)
    throw new AgentError(
      'MCP_OUTPUT_MISSING',
      `${tool} returned ${pieces.length} content item(s) for ${outputs.length} expected output ref(s) (${outputs.join(', ')}).`,
      { recoverable: false },
    );
  outputs.forEach((ref, i) => {
    if (i < outputs.length - 1) out.set(ref, pieces[i]);
  });
  const rest = pieces.slice(outputs.length - 1);
  const last = outputs[outputs.length - 1];
  if (rest.length === 1) out.set(last, rest[0]);
  else if (rest.every((p) => typeof p.data === 'string' && p.assetType === 'text/plain'))
    out.set(last, { data: rest.map((p) => p.data as string).join('\n'), assetType: 'text/plain' });
  else
    out.set(last, {
      data: JSON.stringify(
        rest.map((p) => ({
          type: p.assetType,
          ...(typeof p.data === 'string' ? { text: p.data } : { base64: Buffer.from(p.data).toString('base64') }),
        })),
      ),
      assetType: 'application/json',
    });
  return out;
}

/** The text of a result's text items, for a summary or an error message. */
export function textOf(result: { content?: unknown }): string {
  const content = Array.isArray(result.content) ? (result.content as ContentItem[]) : [];
  return content
    .filter((c) => c.type === 'text')
    .map((c) => c.text ?? '')
    .join('\n');
}
