/**
 * The agent hook events git-ctx registers, and the time each may take: shared by the installers (which
 * declare the timeouts in the agents' configuration) and the hooks themselves (which keep well inside
 * them). Constants only, so that loading them loads nothing else.
 */
export const AGENT_EVENTS = ['SessionStart', 'UserPromptSubmit', 'SessionEnd', 'Stop', 'PreCompact'] as const;
export type AgentEvent = (typeof AGENT_EVENTS)[number];

export function isAgentEvent(e: string): e is AgentEvent {
  return (AGENT_EVENTS as readonly string[]).includes(e);
}

/**
 * The hooks each agent gets, and the timeout (seconds) the installed configuration declares for each:
 * the agent kills a hook past it and drops its output.
 *
 * - SessionStart 30 s: a cold index of a large store takes ~10 s to build; the brief itself is cut
 *   well before (CONTENT_MS).
 * - UserPromptSubmit 15 s: usually answered from files in about Node's start-up time.
 * - SessionEnd, PreCompact: they only hand the work to a background run, from files alone (about
 *   Node's start-up). Claude Code: 10 s; for SessionEnd a settings file's `timeout` also raises Claude
 *   Code's exit budget (1.5 s by default) to match, a plugin's cannot (its launcher then hands over at
 *   once). Codex caps SessionEnd at 3 s (SESSION_END_MAX_TIMEOUT_SEC, warning past it).
 * - Stop 10 s: not installed (Codex has SessionEnd since mid-2026); for a Codex without it, Stop can be
 *   registered by hand and writes the handoff after each turn that changed something.
 */
export const HOOK_TIMEOUT_S: Record<AgentEvent, number> = { SessionStart: 30, UserPromptSubmit: 15, SessionEnd: 10, Stop: 10, PreCompact: 10 };
const CLIENT_TIMEOUT_S: Record<string, Partial<Record<AgentEvent, number>>> = { codex: { SessionEnd: 3 } };

/** The timeout declared for one agent's hook. */
export function hookTimeoutS(client: string, event: AgentEvent): number {
  return CLIENT_TIMEOUT_S[client]?.[event] ?? HOOK_TIMEOUT_S[event];
}

export const CLIENT_EVENTS: Record<string, readonly AgentEvent[]> = {
  claude: ['SessionStart', 'UserPromptSubmit', 'SessionEnd', 'PreCompact'],
  codex: ['SessionStart', 'UserPromptSubmit', 'SessionEnd', 'PreCompact'],
};

/**
 * How long a hook works on its text before it cuts it (ms from the process start): past this it shows
 * what it has (or a one-line pointer to `git ctx brief`) and leaves everything else unread. Well inside
 * the declared timeout, so that the output reaches the agent before it gives up on the hook.
 */
export const CONTENT_MS: Partial<Record<AgentEvent, number>> = { SessionStart: 8000, UserPromptSubmit: 4000 };
/** When a hook exits at the latest (ms from the process start): receipts not written by then stay pending. */
export function hardLimitMs(event: AgentEvent): number {
  return (HOOK_TIMEOUT_S[event] * 1000) / 2;
}
/** A background run (handoff, regenerate, scan, index) gives up after this long, and says so. */
export const BACKGROUND_MAX_MS = 120_000;
/** A conflict scan older than this is refreshed by a background run (a prompt never scans itself). */
export const SCAN_AFTER_MS = 60_000;

