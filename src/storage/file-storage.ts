import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { checkArtifactId, decodeName, encodeName, isHashedName } from './artifact-names.js';
import type { ArtifactStorage, StorageDescriptor } from './artifact-storage.js';
import { fileError, readFileUri, schemeOf, unreadable } from './file-uri.js';

/** Options of {@link fileStorage}. */
export interface FileStorageOptions {
  /** The directory under which each run gets a directory of its own (made when first written). Relative paths resolve against the current directory. */
  readonly root: string;
}

/** Writes `data` to `path` whole or not at all: a temporary file beside it, then a rename over it. */
async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const temp = `${path}.tmp-${randomUUID()}`;
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}

/** The ref id of the entry `name` of a run's directory, or undefined for what is not an artifact. */
async function idOf(dir: string, name: string): Promise<string | undefined> {
  if (!isHashedName(name)) return decodeName(name);
  try {
    return await readFile(join(dir, `${name}.ref-id`), 'utf8');
  } catch {
    return undefined;
  }
}

class FileStorage implements ArtifactStorage {
  readonly descriptor: StorageDescriptor;
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
    this.descriptor = Object.freeze({ kind: 'file', root });
  }

  async write(runId: string, refId: string, data: Uint8Array | string): Promise<string> {
    const dir = join(this.#root, encodeName(checkArtifactId('run id', runId)));
    const name = encodeName(checkArtifactId('ref id', refId));
    if (typeof data !== 'string' && !(data instanceof Uint8Array))
      throw new SwitchyardError(
        ErrorCodes.INVALID_INPUT,
        `Artifact ${refId} must be written as a string or a Uint8Array, not ${typeof data}.`,
        { ref_id: refId },
      );
    const path = join(dir, name);
    const uri = pathToFileURL(path).href;
    try {
      await mkdir(dir, { recursive: true });
      if (isHashedName(name)) await writeAtomically(`${path}.ref-id`, refId);
      await writeAtomically(path, data);
    } catch (error) {
      throw fileError(error, uri, 'write');
    }
    return uri;
  }

  async read(uri: string): Promise<Uint8Array> {
    const scheme = schemeOf(uri);
    if (scheme !== 'file:') throw unreadable(uri, `a file storage reads file: URIs, not ${scheme}`);
    return readFileUri(uri);
  }

  async list(runId: string): Promise<ReadonlyMap<string, string>> {
    const dir = join(this.#root, encodeName(checkArtifactId('run id', runId)));
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as { code?: unknown }).code === 'ENOENT') return new Map();
      throw fileError(error, pathToFileURL(dir).href, 'list');
    }
    const out = new Map<string, string>();
    for (const name of names.sort()) {
      const id = await idOf(dir, name);
      if (id !== undefined) out.set(id, pathToFileURL(join(dir, name)).href);
    }
    return out;
  }
}

/**
 * Artifacts as files: one directory per run under `root`, one file per ref, named from the ref
 * id so that no id can reach outside its run's directory (a bad id is `INVALID_ID`, never
 * written), each written whole or not at all (a temporary file renamed over it). Its URIs are
 * `file://` URLs; it reads any `file:` URI, so a plan's file sources read the same way. It
 * crosses into worker threads as its {@link ArtifactStorage.descriptor}.
 *
 * @example
 * const storage = fileStorage({ root: '.switchyard/artifacts' });
 * const uri = await storage.write('run-1', 'derived_1', 'hello');   // file:///…/run-1/derived_1
 * new TextDecoder().decode(await storage.read(uri));                  // 'hello'
 */
export function fileStorage(options: FileStorageOptions): ArtifactStorage {
  const root = (options as Partial<FileStorageOptions> | undefined)?.root;
  if (typeof root !== 'string' || root.length === 0 || root.includes('\0'))
    throw new SwitchyardError(
      ErrorCodes.INVALID_INPUT,
      `fileStorage needs \`root\`: the directory to keep artifacts under, got ${JSON.stringify(root)}.`,
      { root: String(root) },
    );
  return new FileStorage(isAbsolute(root) ? root : resolve(root));
}

/** The storage a descriptor describes: how a worker thread rebuilds the host's storage. */
export function storageFromDescriptor(descriptor: StorageDescriptor): ArtifactStorage {
  return fileStorage({ root: descriptor.root });
}

/** Where artifacts go when no storage is given: `.switchyard/artifacts` under `cwd`. */
export function defaultArtifactsRoot(cwd: string): string {
  return join(cwd, '.switchyard', 'artifacts');
}

/**
 * What worker threads get for `storage`: its descriptor, or for no storage a file storage
 * under {@link defaultArtifactsRoot}. A storage with no descriptor (a memory storage) lives in
 * this thread only and cannot serve handlers in worker threads: `UNSUPPORTED`.
 */
export function workerStorage(storage: ArtifactStorage | undefined, cwd: string): StorageDescriptor {
  if (storage === undefined) return { kind: 'file', root: defaultArtifactsRoot(cwd) };
  if (storage.descriptor) return storage.descriptor;
  throw new SwitchyardError(
    ErrorCodes.UNSUPPORTED,
    'The `artifacts` storage has no descriptor (a memory storage, or one of your own), so it cannot cross into the worker threads that run the handlers: give fileStorage({ root }), or pool.maxThreads: 0 when all runtimes are elsewhere.',
    {},
  );
}
