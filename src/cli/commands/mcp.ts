import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import { UsageError } from '../../errors.js';

interface McpOpts {
  agent?: string;
  session?: string;
  client?: string;
}

/**
 * The agent a front end started by an agent writes as: --agent, else $GIT_CTX_AGENT, else the client
 * that started it (`--client claude` in the configuration `init --agent` writes), else git user.name.
 */
export function clientAgent(io: CliIO, opts: { agent?: string; client?: string }): string | undefined {
  return opts.agent ?? (io.deps.env.GIT_CTX_AGENT?.trim() ? undefined : opts.client);
}

export function register(program: Command, io: CliIO): void {
  program
    .command('mcp')
    .option('--client <name>', 'the agent that starts the server (claude, codex): its name unless --agent or $GIT_CTX_AGENT says otherwise')
    .option('--agent <name>', 'agent name (default: $GIT_CTX_AGENT, --client, git user.name)')
    .option('--session <id>', "session id (default: $GIT_CTX_SESSION, the agent's own session id, else the worktree and clone)")
    .action(async (opts: McpOpts) => {
      if (!io.streams) throw new UsageError('mcp needs the process streams');
      const { serveMcp } = await import('../../mcp/server.js');
      await serveMcp({ deps: io.deps, stdin: io.streams.stdin, stdout: io.streams.stdout, version: program.version() ?? '', who: { agent: clientAgent(io, opts), session: opts.session }, client: opts.client });
    });
}
