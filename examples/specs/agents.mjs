// Example agent handlers for plans made by `switchyard plan` from the specifications here.
//
// They do not write code, run tests or call a model: they are the stand-ins that let a
// decomposed plan run end to end on one machine with nothing installed. Each task writes,
// for each output ref, a Markdown brief — its action, its capability, and the artifacts it
// read (with their size and SHA-256) — under a storage folder, and returns file:// URIs, so
// the run exercises every dependency, ref and group the decomposer made. The built-in agents
// that do the work (MCP tools, an LLM, a code writer, a tester) replace these.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AgentError, defineAgent } from 'switchyard';

const STORAGE = resolve(process.env.SWITCHYARD_STORAGE ?? join(process.cwd(), '.switchyard-storage'));

/** `STORAGE/<ids…>`: each id percent-encoded (dots too), so no id can leave the folder. */
function storagePath(...ids) {
  const names = ids.map(
    (id) =>
      encodeURIComponent(id).replace(/[.*!'()~]/gu, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`) || '%00',
  );
  const path = resolve(STORAGE, ...names);
  if (!path.startsWith(STORAGE + sep))
    throw new AgentError('UNSAFE_PATH', `${path} is outside the storage folder ${STORAGE}.`, { recoverable: false });
  return path;
}

/** One line about an input: a URL as given, a file by size and hash. */
async function describeInput(ref) {
  if (ref.storage_uri === null)
    throw new AgentError('INPUT_MISSING', `${ref.ref_id} has no storage URI.`, { recoverable: false });
  if (!ref.storage_uri.startsWith('file:')) return `- ${ref.ref_id}: ${ref.storage_uri} (${ref.status})`;
  try {
    const bytes = await readFile(fileURLToPath(ref.storage_uri));
    return `- ${ref.ref_id}: ${bytes.length} bytes, sha256 ${createHash('sha256').update(bytes).digest('hex').slice(0, 16)}…`;
  } catch (error) {
    throw new AgentError('INPUT_UNREADABLE', `${ref.ref_id} at ${ref.storage_uri} cannot be read: ${error.message}`, {
      recoverable: true,
    });
  }
}

async function handle(dispatch, ctx) {
  const inputs = await Promise.all(dispatch.input_refs_resolved.map(describeInput));
  await mkdir(storagePath(ctx.workflowId), { recursive: true });
  const output_refs_produced = [];
  for (const ref of dispatch.output_refs_expected) {
    const path = `${storagePath(ctx.workflowId, ref)}.md`;
    const brief = [
      `# ${ref}: brief of ${dispatch.task_id} (attempt ${dispatch.attempt})`,
      '',
      dispatch.action,
      '',
      `Capability: ${dispatch.capability_ids.join(', ')}`,
      '',
      '## Inputs read',
      '',
      ...(inputs.length > 0 ? inputs : ['- none']),
      '',
    ];
    await writeFile(path, brief.join('\n'));
    output_refs_produced.push({ ref_id: ref, storage_uri: pathToFileURL(path).href });
  }
  return {
    output_refs_produced,
    summary: `brief for ${dispatch.task_id}: read ${inputs.length} input(s), wrote ${output_refs_produced.length}`,
  };
}

export default [
  defineAgent({
    name: 'execution_agent',
    capabilities: ['CAP-RES-*', 'CAP-DES-*', 'CAP-CODE-*', 'CAP-TEST-*', 'CAP-INT-*', 'CAP-DOC-*', 'CAP-REV-*'],
    handle,
  }),
  defineAgent({ name: 'reasoning_agent', capabilities: ['CAP-SYN-*'], handle }),
];
