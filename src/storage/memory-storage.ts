import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { checkArtifactId } from './artifact-names.js';
import type { ArtifactStorage } from './artifact-storage.js';
import { readFileUri, schemeOf, unreadable } from './file-uri.js';

const encoder = new TextEncoder();

/** The bytes of `data`, copied: what a caller does to its array afterwards changes nothing stored. */
function bytesOf(refId: string, data: Uint8Array | string): Uint8Array {
  if (typeof data === 'string') return encoder.encode(data);
  if (data instanceof Uint8Array) return new Uint8Array(data);
  throw new SwitchyardError(
    ErrorCodes.INVALID_INPUT,
    `Artifact ${refId} must be written as a string or a Uint8Array, not ${typeof data}.`,
    { ref_id: refId },
  );
}

class MemoryStorage implements ArtifactStorage {
  readonly #runs = new Map<string, Map<string, Uint8Array>>();

  async write(runId: string, refId: string, data: Uint8Array | string): Promise<string> {
    checkArtifactId('run id', runId);
    checkArtifactId('ref id', refId);
    const bytes = bytesOf(refId, data);
    let run = this.#runs.get(runId);
    if (!run) this.#runs.set(runId, (run = new Map()));
    run.set(refId, bytes);
    return uriOf(runId, refId);
  }

  async read(uri: string): Promise<Uint8Array> {
    const scheme = schemeOf(uri);
    if (scheme === 'file:') return readFileUri(uri);
    if (scheme !== 'memory:') throw unreadable(uri, `a memory storage reads memory: and file: URIs, not ${scheme}`);
    const [run, ref] = new URL(uri).pathname.split('/').map((part) => safeDecode(part));
    const bytes = run === undefined || ref === undefined ? undefined : this.#runs.get(run)?.get(ref);
    if (!bytes)
      throw new SwitchyardError(
        ErrorCodes.ARTIFACT_NOT_FOUND,
        `No artifact at ${uri}: nothing was written there (a memory storage keeps what this process wrote).`,
        { uri },
      );
    return new Uint8Array(bytes);
  }

  async list(runId: string): Promise<ReadonlyMap<string, string>> {
    checkArtifactId('run id', runId);
    const refs = [...(this.#runs.get(runId)?.keys() ?? [])].sort();
    return new Map(refs.map((ref) => [ref, uriOf(runId, ref)]));
  }
}

function uriOf(runId: string, refId: string): string {
  return `memory:${encodeURIComponent(runId)}/${encodeURIComponent(refId)}`;
}

function safeDecode(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

/**
 * Artifacts kept in this process's memory, under `memory:<run>/<ref>` URIs; it also reads
 * `file:` URIs. For embedding and tests: it has no {@link ArtifactStorage.descriptor}, so it
 * cannot cross into worker threads, and `createRuntime` refuses it (`UNSUPPORTED`) when the
 * runtime has worker threads of its own.
 *
 * @example
 * const storage = memoryStorage();
 * const uri = await storage.write('run-1', 'derived_1', 'hello');   // memory:run-1/derived_1
 */
export function memoryStorage(): ArtifactStorage {
  return new MemoryStorage();
}
