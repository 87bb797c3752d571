import { z } from 'zod';
import type { RunnerKind } from './runner-output.js';

/** Options of the tester agent module (its `agents` entry's `options`). */
export const TesterAgentOptionsSchema = z.strictObject({
  /** The agent's name: the routing target. @default 'tester' */
  name: z.string().min(1).default('tester'),
  /** The capabilities it serves (ids or prefixes ending in `*`). @default ['*'] */
  capabilities: z.array(z.string().min(1)).min(1).default(['*']),
  /** Which runner to start and how to read its output. @default 'node' */
  runner: z.enum(['node', 'npm', 'pytest']).default('node'),
  /**
   * The executable, replacing the runner's default invocation: with `command`, `args` is the
   * whole argument list. Without it, `args` is appended to the runner's defaults.
   */
  command: z.string().min(1).optional(),
  /** Arguments: appended to the runner's defaults, or, with `command`, all of them. @default [] */
  args: z.array(z.string()).default([]),
  /**
   * The directory the suite runs in (relative to the process's working directory). Without it,
   * the task's first input ref names the directory: its content is an absolute path, JSON with
   * a `directory` field, or the code writer's manifest (its `workspace`, a `file:` URL).
   */
  cwd: z.string().min(1).optional(),
  /** Environment variables added to (or replacing) the worker's. @default {} */
  env: z.record(z.string(), z.string()).default({}),
  /** How long the suite may run before its process group is killed (recoverable `TIMEOUT`). @default 300000 */
  timeoutMs: z.number().int().positive().max(2_147_483_647).default(300_000),
  /**
   * Fail a run that reported no test at all (`NO_TESTS`, not recoverable): a suite that tests
   * nothing cannot pass a testing task. @default true
   */
  requireTests: z.boolean().default(true),
  /** How many characters of the output end the report keeps as `output_tail`. @default 4000 */
  tailChars: z.number().int().nonnegative().default(4000),
});
export type TesterAgentOptions = z.input<typeof TesterAgentOptionsSchema>;
export type TesterSettings = z.output<typeof TesterAgentOptionsSchema>;

/** Each runner's default invocation: node's TAP reporter, pytest with every outcome in its short summary. */
export function invocation(o: TesterSettings): { command: string; args: string[] } {
  if (o.command !== undefined) return { command: o.command, args: o.args };
  const defaults: Record<RunnerKind, { command: string; args: string[] }> = {
    node: { command: process.execPath, args: ['--test', '--test-reporter=tap'] },
    npm: { command: process.platform === 'win32' ? 'npm.cmd' : 'npm', args: ['test', '--silent'] },
    pytest: { command: 'python3', args: ['-m', 'pytest', '-rA', '-p', 'no:cacheprovider'] },
  };
  const d = defaults[o.runner];
  if (o.runner === 'npm' && o.args.length > 0) return { command: d.command, args: [...d.args, '--', ...o.args] };
  return { command: d.command, args: [...d.args, ...o.args] };
}
