// Example agent handlers for examples/video-analysis/plan.json, used by `npm start`.
//
// They stand in for the real tools (yt-dlp, ffmpeg, Whisper-X, a VLM, an LLM) with small,
// real work on local files: each task reads the artifacts its input refs point to, checks
// them, and writes the artifact each of its output refs promises — a JSON record of what the
// real tool would have produced, with the inputs' SHA-256 — under a storage folder, returning
// file:// URIs. Nothing here reaches the network.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AgentError, defineAgent } from 'switchyard';

const STORAGE = resolve(process.env.SWITCHYARD_STORAGE ?? join(process.cwd(), '.switchyard-storage'));

/**
 * An id as one file or folder name: percent-encoded, dots too, so no run or ref id can climb
 * out of the storage folder (`..`, `/`, `\`) or name a hidden file, whatever it holds.
 */
function fileName(id) {
  return (
    encodeURIComponent(id).replace(/[.*!'()~]/gu, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) || '%00'
  );
}

/** `STORAGE/<parts…>`, refused unless it stays inside STORAGE. */
function storagePath(...parts) {
  const path = resolve(STORAGE, ...parts.map(fileName));
  if (!path.startsWith(STORAGE + sep))
    throw new AgentError('UNSAFE_PATH', `${path} is outside the storage folder ${STORAGE}.`, { recoverable: false });
  return path;
}

async function readInput(ref) {
  if (ref.storage_uri === null)
    throw new AgentError('INPUT_MISSING', `${ref.ref_id} has no storage URI.`, { recoverable: false });
  if (ref.storage_uri.startsWith('https://') || ref.storage_uri.startsWith('http://')) {
    const url = new URL(ref.storage_uri);
    return {
      ref_id: ref.ref_id,
      kind: 'url',
      host: url.host,
      sha256: createHash('sha256').update(url.href).digest('hex'),
    };
  }
  try {
    const bytes = await readFile(fileURLToPath(ref.storage_uri));
    return {
      ref_id: ref.ref_id,
      kind: 'file',
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
  } catch (error) {
    throw new AgentError('INPUT_UNREADABLE', `${ref.ref_id} at ${ref.storage_uri} cannot be read: ${error.message}`, {
      recoverable: true,
    });
  }
}

async function handle(dispatch, ctx) {
  if (ctx.signal.aborted) throw new AgentError('ABORTED', 'aborted before it started', { recoverable: true });
  if (dispatch.task_id === 'task_1') {
    const src = dispatch.input_refs_resolved[0];
    const url = new URL(src.storage_uri);
    if (!/(^|\.)youtube\.com$/u.test(url.hostname))
      throw new AgentError('NOT_A_YOUTUBE_URL', `${src.storage_uri} is not a YouTube URL.`, { recoverable: false });
  }
  ctx.progress({ percent: 10, message: `reading ${dispatch.input_refs_resolved.length} input(s)` });
  const inputs = await Promise.all(dispatch.input_refs_resolved.map(readInput));
  await mkdir(storagePath(ctx.workflowId), { recursive: true });
  const output_refs_produced = [];
  for (const ref of dispatch.output_refs_expected) {
    const path = `${storagePath(ctx.workflowId, ref)}.json`;
    const artifact = {
      ref_id: ref,
      task_id: dispatch.task_id,
      action: dispatch.action,
      capability_ids: dispatch.capability_ids,
      attempt: dispatch.attempt,
      inputs,
      note: 'example stand-in: a real deployment runs the tool named by the capability here',
    };
    await writeFile(path, `${JSON.stringify(artifact, null, 2)}\n`);
    output_refs_produced.push({ ref_id: ref, storage_uri: pathToFileURL(path).href });
  }
  ctx.logger.debug({ outputs: output_refs_produced.length }, 'task done');
  return {
    output_refs_produced,
    summary: `${dispatch.action} — read ${inputs.length} input(s), wrote ${output_refs_produced.length} artifact(s)`,
  };
}

export default [
  defineAgent({
    name: 'execution_agent',
    capabilities: ['CAP-ACQ-*', 'CAP-PRE-*', 'CAP-AUD-*', 'CAP-SPK-*', 'CAP-VIS-*', 'CAP-DAT-*'],
    handle,
  }),
  defineAgent({ name: 'reasoning_agent', capabilities: ['CAP-SYN-*'], handle }),
];
