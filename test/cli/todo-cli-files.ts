/**
 * What the OpenAI test double answers the code writer for examples/specs/todo-cli.md, by task:
 * a small but working JavaScript project (store, CLI, Markdown export) with node:test suites,
 * so the tester downstream runs real tests on real code. Scripted in the test, not by a model.
 */
type File = { path: string; content: string; kind: 'code' | 'test' | 'doc' };

const STORE = `import { readFile, rename, writeFile } from 'node:fs/promises';

/** The list in \`path\`, or an empty one when there is no file yet. */
export async function load(path) {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
}

/** Writes the list atomically: a temporary file renamed over the old one. */
export async function save(path, items) {
  const tmp = \`\${path}.\${process.pid}.tmp\`;
  await writeFile(tmp, JSON.stringify(items, null, 2));
  await rename(tmp, path);
}
`;

const STORE_TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, save } from '../src/store.mjs';

test('a missing file is an empty list', async () => {
  assert.deepEqual(await load(join(mkdtempSync(join(tmpdir(), 'todo-')), 'todo.json')), []);
});

test('save then load round-trips and leaves no temporary file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'todo-'));
  await save(join(dir, 'todo.json'), [{ text: 'buy milk', done: false }]);
  assert.deepEqual(await load(join(dir, 'todo.json')), [{ text: 'buy milk', done: false }]);
  assert.deepEqual(readdirSync(dir), ['todo.json']);
});
`;

const CLI = `/** Runs one command on \`items\`: returns the new list and the lines to print. */
export function run(argv, items) {
  const [command, ...rest] = argv;
  if (command === 'add') return { items: [...items, { text: rest.join(' '), done: false }], lines: [] };
  if (command === 'done') {
    const n = Number(rest[0]) - 1;
    return { items: items.map((item, i) => (i === n ? { ...item, done: true } : item)), lines: [] };
  }
  if (command === 'list') return { items, lines: items.map((item, i) => \`\${i + 1}. [\${item.done ? 'x' : ' '}] \${item.text}\`) };
  return { items, lines: ['usage: todo add <text> | done <n> | list'] };
}
`;

const CLI_TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../src/cli.mjs';

test('todo add "buy milk" then todo list shows the todo', () => {
  const { items } = run(['add', 'buy', 'milk'], []);
  assert.deepEqual(run(['list'], items).lines, ['1. [ ] buy milk']);
});

test('done marks a todo', () => {
  const { items } = run(['done', '1'], [{ text: 'buy milk', done: false }]);
  assert.equal(items[0].done, true);
});
`;

const EXPORT = `/** The list as a Markdown task list. */
export const toMarkdown = (items) => items.map((item) => \`- [\${item.done ? 'x' : ' '}] \${item.text}\`).join('\\n');
`;

const EXPORT_TEST = `import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toMarkdown } from '../src/export.mjs';

test('exports a Markdown task list', () => {
  assert.equal(toMarkdown([{ text: 'a', done: true }, { text: 'b', done: false }]), '- [x] a\\n- [ ] b');
});
`;

export const TODO_CLI_FILES: Readonly<Record<string, File[]>> = {
  task_3: [
    { path: 'src/store.mjs', content: STORE, kind: 'code' },
    { path: 'test/store.test.mjs', content: STORE_TEST, kind: 'test' },
  ],
  task_4: [
    { path: 'src/cli.mjs', content: CLI, kind: 'code' },
    { path: 'test/cli.test.mjs', content: CLI_TEST, kind: 'test' },
  ],
  task_5: [
    { path: 'src/export.mjs', content: EXPORT, kind: 'code' },
    { path: 'test/export.test.mjs', content: EXPORT_TEST, kind: 'test' },
  ],
  task_11: [
    { path: 'README.md', content: '# todo\n\n`todo add <text>`, `todo done <n>`, `todo list`.\n', kind: 'doc' },
  ],
};
