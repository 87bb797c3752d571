import { runCli } from '../../src/cli/main.js';

/** Runs a synchronous CLI command in-process and captures what it prints. */
export function cli(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  if (typeof code !== 'number') throw new Error(`${argv[0]} is asynchronous: use cliAsync`);
  return { code, out, err };
}

/** Runs any CLI command in-process (awaiting asynchronous ones) and captures what it prints. */
export async function cliAsync(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}
