/**
 * The git hooks git-ctx installs, in one list: each names the git hook and says what `git ctx hook
 * <name>` does when it fires. The installer (install.ts) writes a script for every hook listed here,
 * so adding a hook is adding an entry.
 *
 * Every handler runs inside the user's git command. The script around it bounds it in time and
 * ignores its failures (see scripts.ts); the handler itself never prompts, stops at its deadline,
 * and reports problems as warnings, never as a failed git command. A handler that talks to a remote
 * (`network`) gets about a second; then its work goes on in a detached run that outlives the hook. The one exception is deliberate:
 * the pre-commit handler may refuse the commit when `git config ctx.conflicts.block` asks for it
 * (HookOutcome.refuse); the runner honours that and nothing else.
 */
import type { Ctx } from '../core/context.js';

export interface HookInput {
  /** The arguments git gave the hook. */
  args: string[];
  /** What git wrote to the hook's stdin (pre-push: the refs being pushed). */
  stdin: string;
  env: Record<string, string | undefined>;
  /** Stop starting network work after this time (milliseconds since the epoch). */
  deadline: number;
  /** When the hook's process started (ms since the epoch): bounds that the user feels count from here. */
  startedAt?: number;
}

/** The pre-commit check's bound, from the start of the hook's process (README: "gives up after 3 s"). */
const PRE_COMMIT_MS = 3000;

export interface HookOutcome {
  /** Lines for stderr. */
  lines: string[];
  /** Refuse the git command: `git ctx hook` then exits 1 and says so to the runner (scripts.ts). */
  refuse: boolean;
}

export interface GitHook {
  name: string;
  /** One line for the README and `init --hooks` output. */
  summary: string;
  /**
   * It talks to a remote. The user's git command then waits for it about a second at most: past that
   * the work goes on in a detached run of the hook (src/cli/commands/hook.ts), whatever the remote does.
   */
  network?: boolean;
  /** Do the work; returns lines for stderr (keep it quiet: hooks speak only when it matters). */
  run(ctx: Ctx, input: HookInput): Promise<string[] | HookOutcome>;
}

/** `git pull` runs merge or rebase with GIT_REFLOG_ACTION starting with "pull"; a local merge does not. */
function fromPull(env: HookInput['env']): boolean {
  return /^pull\b/.test(env.GIT_REFLOG_ACTION ?? '');
}

async function pullQuietly(ctx: Ctx, input: HookInput): Promise<string[]> {
  const { syncContext } = await import('../core/sync/sync.js');
  await syncContext(ctx, { action: 'pull', unattended: true, deadline: input.deadline });
  return [];
}

export const GIT_HOOKS: readonly GitHook[] = [
  {
    name: 'pre-push',
    summary: 'also push the context branch to the same remote',
    network: true,
    async run(ctx, input) {
      if (!(await ctx.store.tip())) return [];
      // The user is pushing the context branch themselves (`git push --all`, say): leave it to them.
      if (input.stdin.split('\n').some((l) => l.split(' ')[2] === ctx.store.ref)) return [];
      const [name, url] = input.args;
      const { syncContext } = await import('../core/sync/sync.js');
      // It publishes this worktree's work in progress first (the record rides along with this push).
      const r = await syncContext(ctx, { action: 'push', remote: name || url, unattended: true, deadline: input.deadline, maxAttempts: 3 });
      const lines = r.warnings.map((w) => `git-ctx: warning: ${w}`);
      if (r.sent) lines.push(`git-ctx: pushed ${r.sent === 1 ? '1 context entry' : `${r.sent} context entries`} to ${r.remote}`);
      return lines;
    },
  },
  {
    name: 'pre-commit',
    summary: "warn when the files being committed overlap another session's edits (refuse them with ctx.conflicts.block)",
    async run(ctx, input) {
      const { conflictsPreCommit } = await import('../core/conflicts/conflicts.js');
      const r = await conflictsPreCommit(ctx, {
        indexFile: input.env.GIT_INDEX_FILE, // `git commit -a` stages into a temporary index
        timeoutMs: Math.max(500, Math.min(PRE_COMMIT_MS - (ctx.deps.now() - (input.startedAt ?? ctx.deps.now())), input.deadline - ctx.deps.now())),
      });
      return { lines: r.lines, refuse: r.block };
    },
  },
  {
    name: 'post-merge',
    summary: 'after `git pull`: pull the context branch too (quietly)',
    network: true,
    run: (ctx, input) => (fromPull(input.env) ? pullQuietly(ctx, input) : Promise.resolve([])),
  },
  {
    name: 'post-rewrite',
    summary: 'after `git pull --rebase`: pull the context branch too (quietly)',
    network: true,
    run: (ctx, input) => (input.args[0] === 'rebase' && fromPull(input.env) ? pullQuietly(ctx, input) : Promise.resolve([])),
  },
];

export function findGitHook(name: string): GitHook | undefined {
  return GIT_HOOKS.find((h) => h.name === name);
}
