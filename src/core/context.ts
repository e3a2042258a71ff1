/**
 * Opening the store for a command: find the repository, read git-ctx's settings, and work out who is
 * writing. Everything is keyed by the repository's common git dir, so every worktree and subdirectory
 * of one repository opens the same store.
 */
import { basename } from 'node:path';
import { realpathSync } from 'node:fs';
import type { Deps } from '../deps.js';
import { discoverRepo, type Repo } from '../git/repo.js';
import { readConfig, type GitConfig } from '../git/config.js';
import { GitRunner } from '../git/run.js';
import { CatFile } from '../git/cat-file.js';
import { Store } from '../store/store.js';
import { startProbe, type RepoProbe } from '../git/probe.js';
import { IndexCache } from '../store/index-cache.js';
import { UsageError } from '../errors.js';
import type { Reader } from '../model/address.js';
import { LIMITS } from '../model/validate.js';
import { agentSessionId, placeLabel, placeSessionId } from '../model/session-id.js';

export interface Ctx {
  deps: Deps;
  repo: Repo;
  config: GitConfig;
  store: Store;
  index: IndexCache;
}

export interface WhoOptions {
  agent?: string;
  session?: string;
  /**
   * The agent's own session, as its hook input or its environment gives it (Claude Code's
   * `session_id`, Codex's thread id): names the session unless `session` or $GIT_CTX_SESSION does.
   */
  agentSession?: { client: string; id: string };
  /** For writes: store text that looks like a secret as given (`--allow-secrets`). */
  allowSecrets?: boolean;
}

export interface Identity {
  agent: string;
  session: string;
  /**
   * The place this session runs in (worktree and clone: `<folder>:<branch>@<hex>`, see
   * model/session-id.ts): the session itself unless a name or an agent session id names it. An agent
   * session writes its receipts for the place too, so that the next session in the same place does not
   * see again what an agent session there read.
   */
  place: string;
  /** `<folder>:<branch>`, the place's name in earlier versions: still reaches this session by `--to`. */
  label: string;
  /** Whether the session is named by the agent's own session id (and reads and writes receipts for its place too). */
  agentSession: boolean;
  worktree: string | null;
  branch: string | null;
  head: string | null;
  author: { name: string; email: string };
}

const BRANCH_RE = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[A-Za-z0-9._/-]+(?<!\.lock)(?<![/.])$/;

/**
 * Open the store. Three git processes start at once: discovery, config, and the object reader every
 * command uses (it finds the repository from the same directory and environment as discovery does).
 * The launcher starts them before the CLI is loaded; the CLI hands them over as `early`.
 */
export async function openCtx(deps: Deps, early?: RepoProbe): Promise<Ctx> {
  const probe = early && !early.taken ? early : startProbe(deps.cwd, deps.env);
  probe.taken = true;
  const git = new GitRunner(deps.cwd, deps.env);
  const cat = new CatFile(git, probe.cat);
  let repo: Repo;
  let config: GitConfig;
  try {
    [repo, config] = await Promise.all([discoverRepo(deps.cwd, deps.env, probe.discovery), readConfig(git, probe.config)]);
  } catch (e) {
    cat.close();
    throw e;
  }
  const branch = config.get('ctx.branch') ?? 'context';
  if (!BRANCH_RE.test(branch)) {
    cat.close();
    throw new UsageError(`ctx.branch is not a valid branch name: ${branch}`, { code: 'E_CONFIG' });
  }
  const store = new Store(repo, deps, branch, cat);
  return { deps, repo, config, store, index: new IndexCache(store) };
}

export function closeCtx(ctx: Ctx | undefined): void {
  ctx?.store.close();
}

/** The body size limit: git config ctx.maxBodyBytes, else 256 KiB. */
export function maxBodyBytes(ctx: Ctx): number {
  const v = Number(ctx.config.get('ctx.maxBodyBytes'));
  return Number.isFinite(v) && v > 0 ? v : LIMITS.bodyBytes;
}

/** Who is writing: agent and session from flags, environment or git, plus where they are. */
export async function resolveIdentity(ctx: Ctx, who: WhoOptions): Promise<Identity> {
  let branch = ctx.repo.branch;
  if (branch === undefined) {
    // No commits yet: HEAD names a branch that does not exist, which only symbolic-ref will say.
    const r = await ctx.repo.git.run(['symbolic-ref', '-q', '--short', 'HEAD'], { okStatus: [0, 1, 128] });
    branch = r.status === 0 ? r.stdout.toString('utf8').trim() || null : null;
  }
  const head = ctx.repo.head;
  const userName = ctx.config.get('user.name')?.trim();
  const userEmail = ctx.config.get('user.email')?.trim();
  const agent = clean(who.agent) ?? clean(ctx.deps.env.GIT_CTX_AGENT) ?? userName ?? 'unknown';
  const worktree = ctx.repo.workTree;
  const where = worktree ?? ctx.repo.gitDir;
  const label = placeLabel(basename(where), branch ?? (head ? null : 'unborn'));
  const place = placeSessionId(ctx.deps.hostname, canonical(where), basename(where), branch ?? (head ? null : 'unborn'));
  const agentSession = who.agentSession ?? agentSessionFromEnv(ctx.deps.env);
  const named = clean(who.session) ?? clean(ctx.deps.env.GIT_CTX_SESSION);
  const session = named ?? (agentSession ? agentSessionId(agentSession.client, agentSession.id) : place);
  return {
    agent,
    session,
    place,
    label,
    agentSession: !named && !!agentSession,
    worktree,
    branch,
    head,
    // A missing user.name / user.email is common in CI: fall back to the agent rather than fail.
    author: { name: userName || agent, email: userEmail || `${agent.replace(/[^\w.-]+/g, '-')}@git-ctx.invalid` },
  };
}

/**
 * The agent session a process runs in, from the variables the agents set for what they start:
 * Claude Code sets CLAUDE_CODE_SESSION_ID for its hooks, MCP servers and shell commands; Codex sets
 * CODEX_THREAD_ID for its shell commands (not for MCP servers, which then use the place).
 */
export function agentSessionFromEnv(env: Record<string, string | undefined>): { client: string; id: string } | undefined {
  const claude = clean(env.CLAUDE_CODE_SESSION_ID);
  if (claude) return { client: 'claude', id: claude };
  const codex = clean(env.CODEX_THREAD_ID);
  return codex ? { client: 'codex', id: codex } : undefined;
}

/** Who reads as this identity: its session, the place it runs in and the place's earlier name. */
export function readerOf(who: Identity): Reader {
  return { session: who.session, agent: who.agent, also: who.agentSession ? [who.place] : [], label: who.label };
}

/** A path with symbolic links resolved: one worktree, one place id, however it was reached. */
function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function clean(v: string | undefined): string | undefined {
  const t = v?.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return t ? t.slice(0, LIMITS.whoChars) : undefined;
}
