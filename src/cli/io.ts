import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import type { Deps } from '../deps.js';
import { openCtx, closeCtx, requireContext, type Ctx } from '../core/context.js';
import { Output } from './output.js';
import type { RepoProbe } from '../git/probe.js';

/** What a command needs from the process it runs in. */
export interface CliIO {
  deps: Deps;
  stdout(text: string): void;
  stdoutIsTTY: boolean;
  /**
   * The whole of stdin, or null when stdin is a terminal (nothing was piped). With `maxBytes`, reading
   * stops once more than that has arrived (the result is then longer than maxBytes): an endless or
   * huge pipe is refused without being held in memory.
   */
  readStdin(maxBytes?: number): Promise<Buffer | null>;
  /** Git processes started before the CLI loaded (see src/git/probe.ts). */
  probe?: RepoProbe;
  /**
   * Write `text` to stdout, then close stdout; resolves once the text was handed to the reader in full
   * (agent hooks record what they showed only after that).
   */
  writeOut?(text: string): Promise<void>;
  /** The process's own streams, for commands that speak a protocol over them (`mcp`). */
  streams?: { stdin: Readable; stdout: Writable };
  /** When the process started (ms since the epoch): deadlines that include Node's own start-up count from here. */
  startedAt?: number;
  /** End the process now, child processes and pending work notwithstanding (agent hook deadlines). */
  exit?(code: number): void;
  /** Start `git-ctx ARGS...` in `cwd`, detached: it outlives this process (work handed over by a hook). */
  spawnDetached?(args: readonly string[], cwd: string): void;
}

export interface CommonOpts {
  json?: boolean;
  agent?: string;
  session?: string;
}

/** Options every command takes. */
export function common(cmd: Command): Command {
  return cmd
    .option('--json', 'print one JSON object on stdout')
    .option('--agent <name>', 'agent name (default: $GIT_CTX_AGENT, git user.name)')
    .option('--session <id>', "session id (default: $GIT_CTX_SESSION, the agent's session, else the worktree and clone)");
}

export function makeOutput(io: CliIO, opts: CommonOpts): Output {
  const env = io.deps.env;
  const color = io.stdoutIsTTY && !opts.json && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  return new Output({ json: !!opts.json, color, write: io.stdout });
}

/**
 * Open the store, run one command against it, and always close it. `needsContext`: the command only
 * reads the context, and says "context not initialised" (exit 3) when there is no branch.
 */
export async function withCtx(io: CliIO, opts: CommonOpts, fn: (ctx: Ctx, out: Output) => Promise<void>, needs: { needsContext?: boolean } = {}): Promise<void> {
  let ctx: Ctx | undefined;
  try {
    ctx = await openCtx(io.deps, io.probe);
    if (needs.needsContext) await requireContext(ctx);
    await fn(ctx, makeOutput(io, opts));
  } finally {
    closeCtx(ctx);
  }
}

/** `--allow-secrets`, which every command that writes text takes. */
export function allowSecretsOption(cmd: Command): Command {
  return cmd.option('--allow-secrets', 'store text that looks like a secret as given (default: replace it with [REDACTED:<kind>])');
}

/** Collect a repeatable option into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function intOption(value: string): number {
  if (!/^\d+$/.test(value.trim())) return Number.NaN;
  return Number(value);
}
