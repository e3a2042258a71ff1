/**
 * Opening the store for a command: find the repository, read git-ctx's settings, and work out who is
 * writing. Everything is keyed by the repository's common git dir, so every worktree and subdirectory
 * of one repository opens the same store.
 */
import { basename } from 'node:path';
import { realpathSync } from 'node:fs';
import type { Deps } from '../deps.js';
import { discoverRepo, locatedRepo, type Repo } from '../git/repo.js';
import { locateRepo, objectFormatOf, repoSettingsProblem } from '../git/locate.js';
import { readConfig, type GitConfig } from '../git/config.js';
import { RefFileWriter } from '../git/ref-files.js';
import { configFromEntries } from '../git/config-files.js';
import { GitRunner } from '../git/run.js';
import { CatFile } from '../git/cat-file.js';
import { Store } from '../store/store.js';
import { startProbe, type RepoProbe } from '../git/probe.js';
import { IndexCache } from '../store/index-cache.js';
import type { EntryIndex } from '../store/entry-index.js';
import { NotFoundError, UsageError } from '../errors.js';
import { branchNameProblem } from '../git/branch-files.js';
import type { Reader } from '../model/address.js';
import { LIMITS } from '../model/validate.js';
import { agentSessionId, placeLabel, placeSessionId } from '../model/session-id.js';

export interface Ctx {
  deps: Deps;
  repo: Repo;
  config: GitConfig;
  store: Store;
  index: EntryIndex;
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


/**
 * Open the store. The repository is found and its settings read from git's files where they allow it
 * (git/locate.ts, git/config-files.ts); git is started for what they do not settle (`git config`, and
 * `git rev-parse` when the environment moves discovery or the files are unusual), and for the object
 * reader every command but `add` uses. The launcher does this before the CLI is loaded; the CLI hands
 * it over as `early`.
 */
export async function openCtx(deps: Deps, early?: RepoProbe): Promise<Ctx> {
  const probe = early && !early.taken ? early : startProbe(deps.cwd, deps.env, { uid: deps.uid, tag: String(deps.pid) });
  probe.taken = true;
  const git = new GitRunner(deps.cwd, deps.env);
  const cat = new CatFile(git, probe.cat);
  let repo: Repo;
  let config: GitConfig;
  try {
    // From git's files while git reads the settings; git finds the repository when they are unusual.
    const located = probe.discovery ? null : probe.located !== undefined ? probe.located : locateRepo(deps.cwd, deps.env, deps.uid);
    config = probe.settings ? configFromEntries(probe.settings) : await readConfig(git, probe.config);
    const format = located && !repoSettingsProblem(config) ? objectFormatOf(config) : null;
    repo = located && format ? locatedRepo(located, format, deps.cwd, deps.env) : await discoverRepo(deps.cwd, deps.env, probe.discovery);
  } catch (e) {
    cat.close();
    throw e;
  }
  const branch = config.get('ctx.branch') ?? 'context';
  // Names git refuses, or reads as another ref whatever the repository holds (HEAD, refs/...): refused
  // for every command. What depends on the repository (worktrees, tags, the branch's history) is
  // checked before each write (store/branch-guard.ts).
  const problem = branchNameProblem(branch);
  if (problem) {
    cat.close();
    throw new UsageError(`ctx.branch is not a name git-ctx can use: ${branch} (${problem})`, { code: 'E_CONFIG', hint: 'unset git config ctx.branch (the default is context) or choose another name' });
  }
  const store = new Store(repo, deps, branch, cat, { bare: config.get('core.bare') === 'true', packedRefs: !repoSettingsProblem(config), refFiles: RefFileWriter.open(repo.commonDir, config, deps) });
  return { deps, repo, config, store, index: new IndexCache(store) };
}

/**
 * For commands that only read the context (log, show, search): the branch must exist, else "context
 * not initialised" (exit 3), which an empty listing would hide. Commands that write create the
 * branch; the session protocol (brief, pickup, inbox), hooks and gc take a missing branch as an
 * empty one, since a fresh repository is a normal state for them.
 */
export async function requireContext(ctx: Ctx): Promise<string> {
  const tip = await ctx.store.tip();
  if (tip) return tip;
  // A clone has the remote's branch as a remote-tracking ref, not as a local branch: say so.
  const r = await ctx.repo.git.run(['for-each-ref', '--count=1', '--format=%(refname:short)', '--end-of-options', `refs/remotes/*/${ctx.store.branch}`], { okStatus: [0, 128] });
  const remote = r.stdout.toString('utf8').trim();
  throw new NotFoundError(`context not initialised: there is no ${ctx.store.branch} branch here${remote ? ` (the remote has one: ${remote})` : ''}`, {
    code: 'E_NO_CONTEXT',
    data: { branch: ctx.store.branch, remote: remote || null },
    hint: remote ? 'git ctx pull brings it here (or git ctx init --remote <name>, to sync with it from now on)' : 'git ctx init creates it (any write does too)',
  });
}

export function closeCtx(ctx: Ctx | undefined): void {
  ctx?.store.close();
}

/**
 * The body size limit: git config ctx.maxBodyBytes (a positive whole number of bytes, with git's
 * `k`, `m`, `g` suffixes), else 256 KiB. Any other value is refused (E_CONFIG) rather than ignored.
 */
export function maxBodyBytes(ctx: Ctx): number {
  const text = ctx.config.get('ctx.maxBodyBytes');
  if (text === undefined) return LIMITS.bodyBytes;
  const m = /^\s*(\d+)\s*([kmg]?)\s*$/i.exec(text);
  const v = m ? Number(m[1]) * 1024 ** ' kmg'.indexOf((m[2] || ' ').toLowerCase()) : Number.NaN;
  if (!(v > 0) || !Number.isSafeInteger(v)) {
    throw new UsageError(`git config ctx.maxBodyBytes is not a size in bytes: ${JSON.stringify(text.slice(0, 40))}`, {
      code: 'E_CONFIG',
      hint: 'set a positive number of bytes (262144, 512k, 1m) or unset it: git config --unset ctx.maxBodyBytes',
    });
  }
  return v;
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
