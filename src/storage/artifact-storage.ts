import { z } from 'zod';
import { ErrorCodes, type ErrorCode } from '../protocol/errors.js';

/**
 * Where agents' artifacts live: the boundary between a run's refs and their content. Agents
 * reach it through `ctx.read` / `ctx.write` and never build a path from an id; the storage
 * alone decides where a ref's bytes go and what URI names them.
 */
export interface ArtifactStorage {
  /** Stores `data` as artifact `refId` of run `runId`; resolves with its storage URI. Writing the same ref again replaces it. */
  write(runId: string, refId: string, data: Uint8Array | string): Promise<string>;
  /** The content stored at `uri` (a URI this storage wrote, or one it can read, e.g. a file:// source). */
  read(uri: string): Promise<Uint8Array>;
  /** The artifacts of a run, by ref id → URI (for reports). */
  list(runId: string): Promise<ReadonlyMap<string, string>>;
  /**
   * The storage as plain data, from which a worker thread builds the same storage
   * ({@link storageFromDescriptor}); absent for a storage that lives in one thread only (a
   * memory storage), which therefore cannot serve agents in worker threads.
   */
  readonly descriptor?: StorageDescriptor;
}

/** A storage as plain data, as it crosses into worker threads: a file storage under `root` (an absolute path). */
export const StorageDescriptorSchema = z.strictObject({
  kind: z.literal('file'),
  root: z.string().min(1),
});
export type StorageDescriptor = z.infer<typeof StorageDescriptorSchema>;

/** Whether `value` has the three methods of an {@link ArtifactStorage}. */
export function isArtifactStorage(value: unknown): value is ArtifactStorage {
  const v = value as Partial<ArtifactStorage> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.write === 'function' &&
    typeof v.read === 'function' &&
    typeof v.list === 'function'
  );
}

/**
 * Whether an artifact failure may pass on a retry, by seed 003's failure classification: only
 * a storage failure (full disk, I/O error) is transient; a missing artifact is "required
 * derived_ref was never produced", an unreadable URI or a bad id is invalid input.
 */
export function isRecoverableArtifactError(code: ErrorCode | string): boolean {
  return code === ErrorCodes.STORAGE_FAILED;
}
