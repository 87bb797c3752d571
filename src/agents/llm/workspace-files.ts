import { createHash } from 'node:crypto';
import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { AgentError } from '../../pool/agent.js';
import { encodeName } from '../../storage/artifact-names.js';

/** One file of the code writer's answer. */
export const WrittenFileSchema = z.strictObject({
  /** Relative to the run's workspace, `/`-separated: `src/slugify.ts`. */
  path: z.string(),
  content: z.string(),
  kind: z.enum(['code', 'test', 'doc']),
});
export type WrittenFile = z.infer<typeof WrittenFileSchema>;

/** What the code writer asks the model for: the files to write. */
export const CodeWriterAnswerSchema = z.strictObject({ files: z.array(WrittenFileSchema).min(1) });
export type CodeWriterAnswer = z.infer<typeof CodeWriterAnswerSchema>;

/**
 * Why `path` may not name a file in the workspace, or `undefined` when it may: it must be
 * relative, `/`-separated, without `.` or `..` segments, empty segments, backslashes, a drive
 * letter or control characters, and at most 240 characters.
 */
export function pathProblem(path: string): string | undefined {
  if (path === '') return 'it is empty';
  if (path.length > 240) return 'it is longer than 240 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/u.test(path)) return 'it holds a control character';
  if (path.includes('\\')) return 'it holds a backslash (use /)';
  if (path.startsWith('/') || /^[A-Za-z]:/u.test(path)) return 'it is absolute';
  const segments = path.split('/');
  if (segments.includes('..')) return 'it climbs out with ..';
  if (segments.some((s) => s === '' || s === '.')) return 'it has an empty or . segment';
  return undefined;
}

/** Refuses the whole answer, before anything is written, if a path is unsafe or named twice. */
export function checkPaths(files: readonly WrittenFile[]): void {
  const seen = new Set<string>();
  for (const file of files) {
    const problem = pathProblem(file.path) ?? (seen.has(file.path) ? 'another file has the same path' : undefined);
    if (problem !== undefined)
      throw new AgentError(
        'UNSAFE_PATH',
        `The model's answer names the file ${JSON.stringify(file.path.slice(0, 240))}, which the code writer refuses: ${problem}. Nothing was written; paths must be relative to the workspace, without ..`,
        { recoverable: false },
      );
    seen.add(file.path);
  }
}

/** One written file, as the manifest lists it. */
export interface ManifestEntry {
  readonly path: string;
  readonly kind: WrittenFile['kind'];
  readonly bytes: number;
  readonly sha256: string;
  readonly uri: string;
}

/**
 * The run's workspace directory: `<workspace>/<run id, encoded as the file storage encodes it>`,
 * created if missing. The agent never builds a path from an id otherwise.
 */
export async function runDirectory(workspace: string, workflowId: string): Promise<string> {
  const dir = resolve(workspace, encodeName(workflowId));
  await mkdir(dir, { recursive: true });
  return realpath(dir);
}

/** Writes checked files under `dir`, refusing one whose directory resolves outside it (a symlink planted there). */
export async function writeFiles(dir: string, files: readonly WrittenFile[]): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = [];
  for (const file of files) {
    const target = join(dir, ...file.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    const parent = await realpath(dirname(target));
    if (parent !== dir && !parent.startsWith(dir + sep))
      throw new AgentError('UNSAFE_PATH', `${file.path} resolves outside the run's workspace ${dir}; not written.`, {
        recoverable: false,
      });
    await writeFile(target, file.content);
    entries.push({
      path: file.path,
      kind: file.kind,
      bytes: Buffer.byteLength(file.content),
      sha256: createHash('sha256').update(file.content).digest('hex'),
      uri: pathToFileURL(target).href,
    });
  }
  return entries;
}
