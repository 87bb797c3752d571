/**
 * Scripts the README test writes beside a block: what a block leaves to its reader (a handler
 * module needs a run to load it in; a resume needs a run that stopped part-way).
 */

/** Loads `./handler.mjs` (a README `js` block) as a real handler module and runs one task per capability it serves. */
export const RUN_HANDLER = `
import { createRuntime } from 'switchyard';

const agents = [(await import('./handler.mjs')).default].flat();
const capabilities = agents.flatMap((a) => a.capabilities.map((c) => c.replace(/\\*$/u, '001')));
const tasks = capabilities.map((c, i) => ({ id: \`task_\${i + 1}\`, action: \`exercise \${c}\`, capability_ids: [c], depends_on: [], input_refs: [], output_refs: [] }));
const rt = await createRuntime({ agents: [new URL('./handler.mjs', import.meta.url)], pool: { maxThreads: 1 } });
const result = await rt.submit({ tasks }).result;
await rt.close();
console.log(JSON.stringify({ status: result.status, tasks: tasks.length }));
`;

/** Records run \`process.argv[2]\` of plan.json into runs.db and stops it as Ctrl-C would, once its first task is out. */
export const INTERRUPTED_RUN = `
import { readFileSync } from 'node:fs';
import { createRuntime } from 'switchyard';
import { SqliteStore } from 'switchyard/sqlite';

const store = SqliteStore.open('runs.db');
const rt = await createRuntime({ agents: [new URL('./agents.mjs', import.meta.url)], store });
const run = rt.submit(JSON.parse(readFileSync('plan.json', 'utf8')), { runId: process.argv[2] });
await new Promise((resolve) => run.on('dispatch', resolve));
await rt.close({ cancel: true });
store.close();
`;
