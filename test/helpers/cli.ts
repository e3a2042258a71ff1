/**
 * The command line in this process: the same commander program, the same first git processes (the
 * probe) and the same Deps as src/bin.ts wires them, with stdin, stdout and stderr held in memory.
 * For checks of what a command does and prints; a separate process costs ~0.1 s of CPU on Node's
 * start-up alone, and a suite runs hundreds of commands.
 *
 * What only a process has is tested through ctx() (./repo.ts), never here: bin.ts itself (argument
 * bytes, a removed cwd, the exit grace, EPIPE), concurrency between processes, kills, git and agent
 * hooks (`hook`, `agent-hook`, which end their process on a deadline) and `mcp` (the process's streams).
 */
import type { Deps } from '../../src/deps.js';
import { BIN, ENV, cliResult, exitedOk, type CliResult } from './repo.js';
import { runCli } from './cli-run.js';

/** Commands whose subject is their process: they run only through ctx(). */
const PROCESS_ONLY = new Set(['hook', 'agent-hook', 'mcp']);

export interface InProcessOptions {
  env?: Record<string, string>;
  input?: string | Buffer;
  /** Parts of the outside world to fix (a clock that moves on demand, say). */
  deps?: Partial<Deps>;
}

/** Run `git-ctx ARGS...` in `cwd` in this process; the same result as ctx() gives. */
export async function cli(cwd: string, args: string[], opts: InProcessOptions = {}): Promise<CliResult> {
  if (PROCESS_ONLY.has(args[0] ?? '')) throw new Error(`git-ctx ${args[0]} runs only as a process: use ctx()`);
  const { code, stdout, stderr } = await runCli({ cwd, args, env: { ...ENV, ...opts.env }, input: opts.input, deps: opts.deps, bin: BIN });
  return cliResult(args, code, stdout, stderr);
}

/** Like cli(), but fails the test unless the command exits 0. */
export async function cliOk(cwd: string, args: string[], opts: InProcessOptions = {}): Promise<CliResult> {
  return exitedOk(args, await cli(cwd, args, opts));
}
