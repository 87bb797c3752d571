import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import type { AgentContext } from '../../src/pool/agent.js';
import type { Dispatch } from '../../src/protocol/dispatch-output.js';

/**
 * A TEST DOUBLE of the attempt context's artifact storage (runs use AttemptContext over a real storage):
 * `read`/`readText` read the input ref's `file://` URI, `write` puts `<dir>/<ref_id>` and
 * resolves with its URI. Only the storage is doubled; the MCP servers the tests use are real.
 */
export function artifactContextDouble(
  dir: string,
  dispatch: Dispatch,
  options: { signal?: AbortSignal; onProgress?: (message: string | undefined) => void } = {},
): AgentContext & { written: Map<string, { data: Uint8Array | string; assetType?: string }> } {
  mkdirSync(dir, { recursive: true });
  const written = new Map<string, { data: Uint8Array | string; assetType?: string }>();
  const uriOf = (refId: string) => {
    const ref = dispatch.input_refs_resolved.find((r) => r.ref_id === refId);
    if (!ref?.storage_uri) throw new Error(`no input ref ${refId}`);
    return new URL(ref.storage_uri);
  };
  return {
    signal: options.signal ?? new AbortController().signal,
    progress: (update) => options.onProgress?.(update.message),
    logger: pino({ level: 'silent' }),
    inputs: dispatch.input_refs_resolved,
    taskId: dispatch.task_id,
    attempt: dispatch.attempt,
    workflowId: 'wf-test',
    read: async (refId) => new Uint8Array(readFileSync(uriOf(refId))),
    readText: async (refId) => readFileSync(uriOf(refId), 'utf8'),
    write: async (refId, data, o) => {
      const path = join(dir, refId);
      writeFileSync(path, data);
      written.set(refId, { data, ...(o?.assetType ? { assetType: o.assetType } : {}) });
      return pathToFileURL(path).href;
    },
    written,
  };
}
