/**
 * Session ids: who a session is, in every clone and on every machine (docs/data-model.md, "Sessions").
 *
 * - An agent session (Claude Code, Codex) is named after the agent's own session id, which the agent
 *   gives its hooks (`session_id`), its MCP servers and its shell commands (CLAUDE_CODE_SESSION_ID,
 *   CODEX_THREAD_ID): `<client>-<12 hex>`, the hex a hash of the agent's id. It stays the same for the
 *   whole agent session, whatever the worktree, the branch or HEAD do meanwhile, and agent ids are
 *   unique everywhere (UUIDs).
 * - Any other session (a person at a terminal, a script) is its place: the worktree and the clone,
 *   `<worktree folder>:<branch>@<6 hex>`, the hex a hash of the host name and the worktree's path. Two
 *   clones, on one machine or two, never share it; a commit never changes it (a detached HEAD is
 *   `detached`, not the commit).
 * - `<worktree folder>:<branch>` without the hex is the form earlier versions used. It still addresses
 *   messages and handoffs (`--to wt-a:feature`), and reaches every session of that folder and branch,
 *   whichever machine it is on.
 *
 * Pure: the hashes are FNV-1a, computed here, so that naming a session loads no crypto module.
 */

/** FNV-1a over the UTF-8 bytes of `s`, 64 bits, as 16 hex digits. */
export function fnv1a64(s: string): string {
  let h = 0xcbf29ce484222325n;
  for (const b of Buffer.from(s, 'utf8')) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

/** The session of an agent: `<client>-<12 hex of the agent's own id>`. */
export function agentSessionId(client: string, agentSession: string): string {
  return `${client.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').slice(0, 20) || 'agent'}-${fnv1a64(`${client}\0${agentSession}`).slice(0, 12)}`;
}

/** The place label `<folder>:<branch>` (`detached` for a detached HEAD): the session id of versions before this one, on a branch. */
export function placeLabel(folder: string, branch: string | null): string {
  return `${folder}:${branch ?? 'detached'}`;
}

/** The session of a place: `<folder>:<branch>@<6 hex of host and worktree path>`. */
export function placeSessionId(host: string, worktreePath: string, folder: string, branch: string | null): string {
  return `${placeLabel(folder, branch)}@${fnv1a64(`${host}\0${worktreePath}`).slice(0, 6)}`;
}
