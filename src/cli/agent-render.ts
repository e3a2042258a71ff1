import { createTwoFilesPatch } from 'diff';
import type { Output } from './output.js';
import type { AgentFile, AgentInstallResult } from '../hooks/agent-install.js';

/** A unified diff of one file's change (`/dev/null` for a file created or removed). */
export function fileDiff(f: AgentFile): string {
  return createTwoFilesPatch(f.before === null ? '/dev/null' : `a/${f.path}`, f.after === null ? '/dev/null' : `b/${f.path}`, f.before ?? '', f.after ?? '', '', '', { context: 3 }).replace(/^=+\n/, '');
}

export function agentJson(r: AgentInstallResult): Record<string, unknown> {
  return {
    client: r.client,
    dir: r.dir,
    uninstall: r.uninstall,
    dryRun: r.dryRun,
    files: r.files.map((f) => ({ path: f.path, action: f.action, ...(f.action === 'unchanged' ? {} : { diff: fileDiff(f) }) })),
    warnings: r.warnings,
  };
}

const NAMES = { claude: 'Claude Code', codex: 'Codex' } as const;
const PAST = { create: 'created', update: 'updated', remove: 'removed', unchanged: 'unchanged' } as const;
const FUTURE = { create: 'would create', update: 'would update', remove: 'would remove', unchanged: 'unchanged' } as const;

/** What `init --agent [--uninstall] [--dry-run]` did (or would do), for people. */
export function renderAgent(out: Output, r: AgentInstallResult): void {
  if (r.dryRun) {
    for (const f of r.files) if (f.action !== 'unchanged') out.text(fileDiff(f));
  }
  const words = r.dryRun ? FUTURE : PAST;
  out.text(`${NAMES[r.client]}: ${r.files.map((f) => `${words[f.action]} ${f.path}`).join(', ')}${r.dryRun ? ' (dry run: nothing written)' : '.'}`);
  if (r.dryRun || r.uninstall) return;
  if (r.client === 'claude') {
    out.text('Hooks: SessionStart -> brief, UserPromptSubmit -> what is new, SessionEnd -> handoff, PreCompact -> regenerate. MCP server: git-ctx (.mcp.json; Claude Code asks once before using it).');
  } else {
    out.text('Hooks: SessionStart -> brief, UserPromptSubmit -> what is new, SessionEnd -> handoff, PreCompact -> regenerate. MCP server: git-ctx ([mcp_servers.git-ctx]).');
    out.text('Codex runs them once you trust them: trust the project when Codex asks (or set trust_level = "trusted" for it under [projects] in ~/.codex/config.toml), then open /hooks in Codex and trust the git-ctx hooks; `codex exec` then runs them too (or pass it --dangerously-bypass-hook-trust).');
  }
  out.text(`Remove them with: git ctx init --agent ${r.client} --uninstall`);
}
