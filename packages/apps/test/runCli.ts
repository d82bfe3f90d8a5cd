/** What the CLI tests share: driving `main` in this process with its output captured. */
import { main } from '../src/cli.js';

/** The outcome of one `memvisor` invocation. */
export interface CliRun {
  status: number;
  out: string;
  err: string;
}

/** Runs `memvisor ...argv` in this process; returns its exit status and what it wrote to stdout and stderr. */
export async function run(...argv: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const status = await main(argv, { stdout: (t) => void (out += t), stderr: (t) => void (err += t) });
  return { status, out, err };
}
