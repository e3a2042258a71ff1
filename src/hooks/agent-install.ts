/**
 * `git ctx init --agent claude|codex`: register git-ctx with a coding agent, in the project's own
 * configuration files at the top of the worktree (files a team usually commits, so every clone gets
 * them). With `uninstall`, remove exactly what was added; with `dryRun`, only say what would change.
 *
 * Claude Code: hooks in `.claude/settings.json` (SessionStart -> the brief, UserPromptSubmit -> what is
 * new, SessionEnd -> a handoff, PreCompact -> regenerate) and the MCP server in `.mcp.json`.
 *
 * Codex: the hooks in `.codex/hooks.json` of the main worktree (its hook files have Claude Code's shape;
 * SessionEnd is capped at 3 s there). Codex reads hooks from the main worktree's
 * `.codex/` even for a session started in a linked worktree (codex-rs/config/src/loader/mod.rs,
 * `root_checkout_hooks_folder_for_dir`), and only when the worktree the session starts in has a
 * `.codex/` directory of its own. It runs them once the project is trusted and each hook reviewed with
 * /hooks (or with `--dangerously-bypass-hook-trust`). The MCP server goes into `.codex/config.toml` of
 * this worktree as an `[mcp_servers.git-ctx]` table (a marked block spliced in and out and checked with
 * a TOML parser: the file is TOML the user may have written by hand), and a short marked block into
 * `AGENTS.md` for the case where the hooks do not run.
 *
 * The edits themselves are pure (./agent-config.ts); this module reads and writes the files.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { Ctx } from '../core/context.js';
import { CLIENT_EVENTS, hookTimeoutS } from '../core/agents/agent-events.js';
import { editBlock, editHooks, editMcpJson, editTomlTable, HOOK_COMMAND, MCP_NAME, type Edit, type HookSpec } from './agent-config.js';
import { UsageError } from '../errors.js';

export const AGENT_CLIENTS = ['claude', 'codex'] as const;
export type AgentClient = (typeof AGENT_CLIENTS)[number];

export interface AgentFile {
  /** Relative to the top of the worktree (`../main/.codex/hooks.json` for a file in the main worktree). */
  path: string;
  action: 'create' | 'update' | 'remove' | 'unchanged';
  before: string | null;
  after: string | null;
}

export interface AgentInstallResult {
  client: AgentClient;
  /** The top of the worktree the files are in. */
  dir: string;
  uninstall: boolean;
  dryRun: boolean;
  files: AgentFile[];
  warnings: string[];
}

/** The hooks of each agent, each with the timeout the agent enforces (see HOOK_TIMEOUT_S). */
export function hookSpecs(client: AgentClient): HookSpec[] {
  return CLIENT_EVENTS[client]!.map((event) => ({ event, command: `${HOOK_COMMAND} ${client} ${event}`, timeout: hookTimeoutS(client, event) }));
}

const TOML_MARKERS = { begin: '# >>> git-ctx >>>', end: '# <<< git-ctx <<<' };
const MD_MARKERS = { begin: '<!-- >>> git-ctx >>> -->', end: '<!-- <<< git-ctx <<< -->' };

const CODEX_TOML = `# Written by \`git ctx init --agent codex\`; \`git ctx init --agent codex --uninstall\` removes this block.
[mcp_servers.${MCP_NAME}]
command = "git-ctx"
args = ["mcp", "--client", "codex"]
`;

export const AGENTS_MD = `## Shared context (git-ctx)

This repository keeps a shared memory for coding sessions (notes, decisions, handoffs, messages) on its
\`context\` branch, through git-ctx: the \`git-ctx\` MCP server, or the \`git ctx\` command.

- At the start, read the brief (hooks inject it; if you did not get one, call \`ctx_brief\` or run \`git ctx brief\`),
  then take over waiting handoffs with \`ctx_pickup\`.
- Record decisions and findings others will need with \`ctx_add\` (kind \`decision\`, \`postmortem\` or \`note\`).
- Before you finish, hand over with \`ctx_handoff\` (\`auto: true\` and a one-line \`summary\`).
`;

interface Plan {
  /** Absolute. */
  abs: string;
  edit(before: string | null, uninstall: boolean): Edit;
}

/**
 * The top of the main worktree, as Codex finds it for a linked worktree: the directory holding the
 * common git dir (`<main>/.git`). Null for a bare repository's worktrees, whose common dir is not
 * `.git` inside a checkout.
 */
function mainWorktree(ctx: Ctx): string | null {
  return basename(ctx.repo.commonDir) === '.git' ? dirname(ctx.repo.commonDir) : null;
}

function plans(client: AgentClient, top: string, main: string | null): Plan[] {
  if (client === 'claude') {
    return [
      { abs: join(top, '.claude/settings.json'), edit: (b, u) => editHooks(b, '.claude/settings.json', hookSpecs('claude'), u) },
      { abs: join(top, '.mcp.json'), edit: (b, u) => editMcpJson(b, '.mcp.json', { type: 'stdio', command: 'git-ctx', args: ['mcp', '--client', 'claude'] }, u) },
    ];
  }
  return [
    ...(main ? [{ abs: join(main, '.codex/hooks.json'), edit: (b: string | null, u: boolean) => editHooks(b, '.codex/hooks.json', hookSpecs('codex'), u) }] : []),
    { abs: join(top, '.codex/config.toml'), edit: (b, u) => editTomlTable(b, '.codex/config.toml', TOML_MARKERS, 'mcp_servers', MCP_NAME, CODEX_TOML, u) },
    { abs: join(top, 'AGENTS.md'), edit: (b, u) => editBlock(b, 'AGENTS.md', MD_MARKERS, AGENTS_MD, u) },
  ];
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { code: 'E_AGENT_CONFIG' });
  }
}

function writeText(ctx: Ctx, path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.git-ctx-${ctx.deps.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export async function installAgent(ctx: Ctx, input: { client: string; uninstall?: boolean; dryRun?: boolean }): Promise<AgentInstallResult> {
  const client = input.client as AgentClient;
  if (!AGENT_CLIENTS.includes(client)) throw new UsageError(`unknown agent: ${input.client}`, { code: 'E_AGENT', hint: `agents: ${AGENT_CLIENTS.join(', ')}` });
  const top = ctx.repo.workTree;
  if (!top) throw new UsageError('agent hooks go into a worktree, and this repository has none (bare)', { code: 'E_NO_WORKTREE' });
  const uninstall = !!input.uninstall;
  const files: (AgentFile & { abs: string })[] = [];
  const warnings: string[] = [];
  const main = mainWorktree(ctx);
  if (client === 'codex' && !main) warnings.push(`Codex reads the hooks of a linked worktree from ${join(dirname(ctx.repo.commonDir), '.codex/hooks.json')}, outside any checkout of this (bare) repository: no hooks written`);
  // Every edit is worked out before anything is written: a file git-ctx cannot read changes nothing.
  for (const p of plans(client, top, main)) {
    const before = readText(p.abs);
    const { text: after, warnings: w } = p.edit(before, uninstall);
    warnings.push(...w);
    const action = after === before ? 'unchanged' : after === null ? 'remove' : before === null ? 'create' : 'update';
    files.push({ path: relative(top, p.abs), abs: p.abs, action, before, after });
  }
  if (!input.dryRun) {
    for (const f of files) {
      const abs = f.abs;
      if (f.action === 'create' || f.action === 'update') writeText(ctx, abs, f.after!);
      else if (f.action === 'remove') {
        unlinkSync(abs);
        // `.claude/` or `.codex/` left empty goes too.
        if (dirname(f.path) !== '.' && existsSync(dirname(abs))) {
          try {
            rmdirSync(dirname(abs));
          } catch {
            /* not empty: other files of the user's */
          }
        }
      }
    }
  }
  return { client, dir: top, uninstall, dryRun: !!input.dryRun, files: files.map(({ abs: _abs, ...f }) => f), warnings };
}
