/**
 * Checks of the e2e suite that today's git-ctx does not pass, each with the defect that makes it fail
 * (issue 14's items). Delete a line once its defect is fixed: the check then counts in every run.
 *
 * - `fails`: it fails every run; the test is marked `it.fails`, so it turns red the day the defect is
 *   fixed, as a reminder to delete the line.
 * - `flaky`: it fails in some runs only (a hook that gives up after its own 850 ms deadline is lost
 *   or not depending on how busy the machine is, even in the "idle" scenario on a shared machine); the
 *   check runs and passes when it holds, and when it does not the test is skipped with the failure.
 *
 * Keys: `<client>/<idle|load>/<check>`, the check names of checks.ts. GIT_CTX_E2E_STRICT=1 ignores this
 * list: every check counts (to see which a fix in progress makes pass).
 */
export interface KnownDefect {
  mode: 'fails' | 'flaky';
  reason: string;
}

const DEADLINE = 'hooks give up after their own 850 ms (issue 14 item 1)';
const READ_FIRST = 'messages are marked read before the hook prints them; a hook that gives up after that loses them (item 1)';
const CODEX_WORKTREE = 'init --agent codex in a linked worktree installs hooks Codex never runs: it reads the main worktree\'s .codex/hooks.json (item 4)';

const claude: Record<string, KnownDefect> = {
  '(a) the brief is in the first request': { mode: 'flaky', reason: `SessionStart: ${DEADLINE}` },
  '(c) a message sent before the session is shown exactly once in the first three prompts': { mode: 'flaky', reason: READ_FIRST },
  '(c) a message sent from another worktree during the session is shown exactly once, at the next prompt': { mode: 'flaky', reason: READ_FIRST },
  '(c) no message is marked read on the branch without having been shown to the model': { mode: 'flaky', reason: READ_FIRST },
  '(d) a handoff is on the branch after the session ends': { mode: 'flaky', reason: `SessionEnd: ${DEADLINE}` },
  '(d) the handoff names the note the session wrote': { mode: 'fails', reason: 'automatic handoffs list files, not the notes and decisions the session wrote (item 6)' },
  '(e) compaction writes a regenerated context entry': {
    mode: 'flaky',
    reason: `PreCompact: ${DEADLINE}; it hands regenerate to a background run, which on a loaded machine lands more than 15 s later`,
  },
  '(f) after resume and compaction, no message is shown again': { mode: 'flaky', reason: READ_FIRST },
  '(f) resume and compaction do not inject the whole brief again': {
    mode: 'flaky',
    reason: 'SessionStart on resume injects the whole brief again (item 2); it passes only when that hook gave up (item 1)',
  },
};

const codex: Record<string, KnownDefect> = {
  'Codex lists git-ctx hooks for the linked worktree, and they are trusted': { mode: 'fails', reason: CODEX_WORKTREE },
  '(a) the brief is in the first request': { mode: 'fails', reason: CODEX_WORKTREE },
  '(c) a message sent before the session is shown exactly once in the first three prompts': { mode: 'fails', reason: CODEX_WORKTREE },
  '(c) a message sent from another worktree during the session is shown exactly once, at the next prompt': { mode: 'fails', reason: CODEX_WORKTREE },
  '(d) a handoff is on the branch after the session ends': { mode: 'fails', reason: CODEX_WORKTREE },
  '(d) the handoff names the note the session wrote': { mode: 'fails', reason: CODEX_WORKTREE },
  '(e) compaction writes a regenerated context entry': { mode: 'fails', reason: CODEX_WORKTREE },
  '(f) after resume and compaction, no message is shown again': { mode: 'fails', reason: CODEX_WORKTREE },
  '(f) resume and compaction do not inject the whole brief again': { mode: 'fails', reason: CODEX_WORKTREE },
};

const MCP_START =
  '`git ctx mcp` takes 1-1.4 s to answer tools/list on a busy machine and 2-5 s with two busy processes (node -e 0: 0.2-0.8 s), and the clients do not wait for it when the machine is loaded: its tools are missing from the first requests (item 3)';
const CODEX_MCP_START =
  'codex exec does not wait for an MCP server unless its table says `required = true`, which init --agent codex does not write; `git ctx mcp` takes 1-5 s to answer tools/list under load, so its tools are missing from the first requests, or from all three on a loaded machine (items 3, 4)';
const mcpStart: Record<string, KnownDefect> = {
  '(b) git-ctx tools are offered from the first request on': { mode: 'flaky', reason: MCP_START },
};
const codexMcpStart: Record<string, KnownDefect> = {
  '(b) git-ctx tools are offered from the first request on': { mode: 'flaky', reason: CODEX_MCP_START },
  '(b) a git-ctx tool is called, and its entry is on the branch': { mode: 'flaky', reason: CODEX_MCP_START },
};

const keyed = (prefix: string, m: Record<string, KnownDefect>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [`${prefix}/${k}`, v]));

export const KNOWN_DEFECTS: Record<string, KnownDefect> = process.env.GIT_CTX_E2E_STRICT === '1' ? {} : {
  ...keyed('claude/idle', claude),
  ...keyed('claude/load', { ...claude, ...mcpStart }),
  ...keyed('codex/idle', { ...codex, ...codexMcpStart }),
  ...keyed('codex/load', { ...codex, ...codexMcpStart }),
};
