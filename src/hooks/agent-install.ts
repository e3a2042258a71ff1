/**
 * `git ctx init --agent claude|codex`: register git-ctx with a coding agent, in the project's own
 * configuration files at the top of the worktree (files a team usually commits, so every clone gets
 * them). With `uninstall`, remove exactly what was added; with `dryRun`, only say what would change.
 *
 * Claude Code: hooks in `.claude/settings.json` (SessionStart -> the brief, UserPromptSubmit -> what is
 * new, SessionEnd -> a handoff, PreCompact -> regenerate) and the MCP server in `.mcp.json`.
 *
 * Codex: the same hooks in `.codex/hooks.json` (its hook files have Claude Code's shape; it runs a
 * project's hooks once the project is trusted and each hook reviewed with /hooks), the MCP server as an
 * `[mcp_servers.git-ctx]` table in `.codex/config.toml` (a marked block: the file is TOML that the user
 * may have written by hand, so it is appended to, never rewritten), and a short marked block in
 * `AGENTS.md` for the case where the hooks do not run.
 *
 * The edits themselves are pure (./agent-config.ts); this module reads and writes the files.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Ctx } from '../core/context.js';
import { editBlock, editHooks, editMcpJson, HOOK_COMMAND, MCP_NAME, type Edit, type HookSpec } from './agent-config.js';
import { UsageError } from '../errors.js';

export const AGENT_CLIENTS = ['claude', 'codex'] as const;
export type AgentClient = (typeof AGENT_CLIENTS)[number];

export interface AgentFile {
  /** Relative to the top of the worktree. */
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

/** Hook events and the seconds each may take (the agent's bound; git-ctx gives up after ~1 s itself). */
const EVENTS = ['SessionStart', 'UserPromptSubmit', 'SessionEnd', 'PreCompact'];
/** Codex caps SessionEnd hooks at 3 s (and warns past it); Claude Code gives SessionEnd 1.5 s unless told more. */
const TIMEOUT_S: Record<AgentClient, number> = { claude: 5, codex: 3 };

export function hookSpecs(client: AgentClient): HookSpec[] {
  return EVENTS.map((event) => ({ event, command: `${HOOK_COMMAND} ${client} ${event}`, timeout: TIMEOUT_S[client] }));
}

const TOML_MARKERS = { begin: '# >>> git-ctx >>>', end: '# <<< git-ctx <<<' };
const MD_MARKERS = { begin: '<!-- >>> git-ctx >>> -->', end: '<!-- <<< git-ctx <<< -->' };

const CODEX_TOML = `# Written by \`git ctx init --agent codex\`; \`git ctx init --agent codex --uninstall\` removes this block.
[mcp_servers.${MCP_NAME}]
command = "git-ctx"
args = ["mcp", "--client", "codex"]
`;

/** A table or dotted key of the user's that already defines this server, or an inline mcp_servers table. */
const CODEX_TOML_CONFLICT = /^[ \t]*(\[[ \t]*mcp_servers[ \t]*\.[ \t]*(?:git-ctx|"git-ctx"|'git-ctx')[ \t]*\]|mcp_servers[ \t]*=|mcp_servers[ \t]*\.[ \t]*(?:git-ctx|"git-ctx"|'git-ctx')[ \t]*[.=])/m;

export const AGENTS_MD = `## Shared context (git-ctx)

This repository keeps a shared memory for coding sessions (notes, decisions, handoffs, messages) on its
\`context\` branch, through git-ctx: the \`git-ctx\` MCP server, or the \`git ctx\` command.

- At the start, read the brief (hooks inject it; if you did not get one, call \`ctx_brief\` or run \`git ctx brief\`),
  then take over waiting handoffs with \`ctx_pickup\`.
- Record decisions and findings others will need with \`ctx_add\` (kind \`decision\`, \`postmortem\` or \`note\`).
- Before you finish, hand over with \`ctx_handoff\` (\`auto: true\` and a one-line \`summary\`).
`;

interface Plan {
  path: string;
  edit(before: string | null, uninstall: boolean): Edit;
}

function plans(client: AgentClient): Plan[] {
  if (client === 'claude') {
    return [
      { path: '.claude/settings.json', edit: (b, u) => editHooks(b, '.claude/settings.json', hookSpecs('claude'), u) },
      { path: '.mcp.json', edit: (b, u) => editMcpJson(b, '.mcp.json', { type: 'stdio', command: 'git-ctx', args: ['mcp', '--client', 'claude'] }, u) },
    ];
  }
  return [
    { path: '.codex/hooks.json', edit: (b, u) => editHooks(b, '.codex/hooks.json', hookSpecs('codex'), u) },
    { path: '.codex/config.toml', edit: (b, u) => editBlock(b, '.codex/config.toml', TOML_MARKERS, CODEX_TOML, u, CODEX_TOML_CONFLICT) },
    { path: 'AGENTS.md', edit: (b, u) => editBlock(b, 'AGENTS.md', MD_MARKERS, AGENTS_MD, u) },
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
  const files: AgentFile[] = [];
  const warnings: string[] = [];
  // Every edit is worked out before anything is written: a file git-ctx cannot read changes nothing.
  for (const p of plans(client)) {
    const before = readText(join(top, p.path));
    const { text: after, warnings: w } = p.edit(before, uninstall);
    warnings.push(...w);
    const action = after === before ? 'unchanged' : after === null ? 'remove' : before === null ? 'create' : 'update';
    files.push({ path: p.path, action, before, after });
  }
  if (!input.dryRun) {
    for (const f of files) {
      const abs = join(top, f.path);
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
  return { client, dir: top, uninstall, dryRun: !!input.dryRun, files, warnings };
}
