/**
 * What a remote holds for the context branch, fetched in one go, and the few facts about this clone
 * that the exchange needs: its clone id, how it talks to this remote, and the bounds of the network.
 * Used by sync (push/pull/sync), pickup's claims and gc. Layout: src/model/remote-refs.ts and
 * docs/data-model.md, "The remote".
 *
 * One fetch brings the view branch, every clone ref and every claim ref (and published snapshots),
 * pruning local copies of refs the remote no longer has. Before the copies move, their old values are
 * read: on a remote git-ctx writes to, every ref only ever moves forward (clone refs and the view are
 * fast-forwarded, claim and clone refs are removed only once the view contains them), so a value
 * this clone saw there that none of the new values contains means the remote's history was rewritten
 * (a purge with filter-repo and a forced push, say). Merging it as usual would bring back, silently,
 * everything the rewrite removed; so it is refused (E_REMOTE_REWRITTEN, the local copies put back as
 * they were) until the user says what to do: adopt the rewrite, or restore what it removed.
 */
import { closeSync, existsSync, linkSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Ctx } from '../context.js';
import { DEEPEN_ALL, fetchRefs, reachesShallowBoundary, remoteCopyPrefix, resolveRemote, stripCredentials, type NetOptions, type Remote } from '../../git/remote.js';
import { fetchRefspecs, remoteRefs, CLONE_ID_RE, type RemoteRefs } from '../../model/remote-refs.js';
import { newId } from '../../model/id.js';
import { WIP_REF_PREFIX } from '../../conflicts/wip.js';
import { mergeCommits } from '../../store/merge-tips.js';
import { reachedWithin } from '../../store/history.js';
import { splitNul } from '../../git/run.js';
import { readRefsUnder } from '../../git/refs.js';
import { RemoteError } from '../../errors.js';

/** What to do when the remote's history was rewritten (see the module comment). */
export type RewriteChoice = 'refuse' | 'adopt' | 'restore';

export interface Rewrite {
  /** A commit holding what this clone had last seen on the remote, and one holding what it has now. */
  before: string;
  after: string | null;
  /** Entry ids the rewrite removed, and entry ids whose file it changed (as seen from `before`). */
  removed: string[];
  changed: string[];
}

export interface RemoteState {
  remote: Remote;
  refs: RemoteRefs;
  /** The view branch's tip, or null. */
  view: string | null;
  /** Clone id -> tip. */
  clones: Map<string, string>;
  /** Item id -> claim commit. */
  claims: Map<string, string>;
  /** The remote had none of git-ctx's refs. */
  empty: boolean;
  /** A shallow context history was deepened before merging. */
  deepened: boolean;
  /** Set when the remote was rewritten and the caller chose to adopt or restore. */
  rewrite: Rewrite | null;
}

/** Every tip of the remote's context: the view, the clone refs and the claim refs. */
export function remoteTips(s: RemoteState): string[] {
  return [...new Set([...(s.view ? [s.view] : []), ...s.clones.values(), ...s.claims.values()])];
}

/** The remote to use: ctx.remote, else the remote of the current branch's upstream, else origin. */
export async function defaultRemote(ctx: Ctx): Promise<string> {
  const configured = ctx.config.get('ctx.remote');
  if (configured) return configured;
  if (ctx.repo.branch) {
    const r = await ctx.repo.git.run(['config', '--get', `branch.${ctx.repo.branch}.remote`], { okStatus: [0, 1] });
    const upstream = r.stdout.toString('utf8').trim();
    if (r.status === 0 && upstream && upstream !== '.') return upstream;
  }
  return 'origin';
}

export async function openRemote(ctx: Ctx, name: string | undefined): Promise<Remote> {
  return resolveRemote(ctx.repo.git, ctx.deps.cwd, name ?? (await defaultRemote(ctx)), ctx.config);
}

/** Default bounds, in seconds: a whole push/pull/sync, a pickup's round trip, and a stall. */
export const REMOTE_TIMEOUT_S = 60;
export const PICKUP_TIMEOUT_S = 10;
export const STALL_S = 10;

function seconds(v: string | undefined, fallback: number): number {
  const n = Number(v);
  return v !== undefined && Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * Network options for one command: an overall deadline (`git config ctx.remoteTimeout`, seconds, or
 * `ctx.pickupTimeout` for pickup; the caller's own deadline when earlier), git's own stall limits
 * unless the user configured theirs, and no credential prompt when unattended.
 */
export async function netOptions(ctx: Ctx, input: { unattended?: boolean; deadline?: number; timeoutKey?: 'ctx.remoteTimeout' | 'ctx.pickupTimeout' }): Promise<NetOptions> {
  const key = input.timeoutKey ?? 'ctx.remoteTimeout';
  const timeout = seconds(ctx.config.get(key), key === 'ctx.pickupTimeout' ? PICKUP_TIMEOUT_S : REMOTE_TIMEOUT_S);
  const deadline = Math.min(input.deadline ?? Infinity, ctx.deps.now() + timeout * 1000);
  const progress = ctx.deps.stderrIsTTY && !input.unattended ? ctx.deps.stderr : undefined;
  const env = ctx.deps.env;
  // Settings of the user's own that git-ctx must not override (read with the rest: git/probe.ts).
  const keys = ctx.config.keys();
  return {
    interactive: !input.unattended,
    deadline,
    now: ctx.deps.now,
    progress,
    sleep: ctx.deps.sleep,
    stallSeconds: Math.max(1, Math.min(STALL_S, Math.floor(timeout / 2))),
    userHttpLimits: !!(env.GIT_HTTP_LOW_SPEED_LIMIT || env.GIT_HTTP_LOW_SPEED_TIME) || keys.some((k) => /^http\..*lowspeed(limit|time)$/.test(k)),
    userSsh: !!(env.GIT_SSH_COMMAND || env.GIT_SSH) || keys.includes('core.sshcommand'),
  };
}

/**
 * This clone's id: made once, kept in `.git/ctx/clone-id` (shared by every worktree, never pushed).
 * Created whole (written under a private name, then hard-linked into place), so two processes that
 * create it at once agree on one.
 */
export function cloneId(ctx: Ctx): string {
  const file = join(ctx.store.privateDir, 'clone-id');
  const read = () => {
    try {
      const v = readFileSync(file, 'utf8').trim();
      return CLONE_ID_RE.test(v) ? v : null;
    } catch {
      return null;
    }
  };
  const have = read();
  if (have) return have;
  mkdirSync(ctx.store.privateDir, { recursive: true });
  const id = newId(ctx.deps.now(), ctx.deps.random(10));
  const tmp = `${file}.${ctx.deps.pid}.${Buffer.from(ctx.deps.random(4)).toString('hex')}`;
  const fd = openSync(tmp, 'wx');
  try {
    writeSync(fd, `${id}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
  } catch {
    // Another process made it first, or the file was unreadable: theirs, if it reads.
    const theirs = read();
    if (theirs) return theirs;
    writeFileSync(file, `${id}\n`);
  } finally {
    rmSync(tmp, { force: true });
  }
  return read() ?? id;
}

/** How this clone pushes to a remote: its own ref (`clones`), or the shared branch (`branch`). */
export type Layout = 'clones' | 'branch';

/** After this long, a remote that refused refs outside refs/heads/ is tried again. */
const LAYOUT_RECHECK_MS = 24 * 3600 * 1000;

function layoutFile(ctx: Ctx, remote: Remote): string {
  return join(ctx.store.privateDir, 'remotes', `${remote.label}.json`);
}

export function knownLayout(ctx: Ctx, remote: Remote): { layout: Layout; reason: string | null } {
  try {
    const v = JSON.parse(readFileSync(layoutFile(ctx, remote), 'utf8')) as { layout?: string; at?: number; reason?: string };
    if (v.layout === 'branch' && typeof v.at === 'number' && ctx.deps.now() - v.at < LAYOUT_RECHECK_MS) return { layout: 'branch', reason: v.reason ?? null };
  } catch {
    /* none recorded */
  }
  return { layout: 'clones', reason: null };
}

export function recordLayout(ctx: Ctx, remote: Remote, layout: Layout, reason: string | null): void {
  const file = layoutFile(ctx, remote);
  try {
    if (layout === 'clones') {
      if (existsSync(file)) rmSync(file, { force: true });
      return;
    }
    mkdirSync(join(ctx.store.privateDir, 'remotes'), { recursive: true });
    writeFileSync(file, `${JSON.stringify({ layout, at: ctx.deps.now(), reason, remote: stripCredentials(remote.display) })}\n`);
  } catch {
    /* only a hint for next time */
  }
}

/** The local copies of a remote's refs, read in one `for-each-ref`. */
async function readCopies(ctx: Ctx, refs: RemoteRefs): Promise<Map<string, string>> {
  const read = readRefsUnder(ctx.repo.commonDir, [refs.viewCopy, refs.clonesCopy, refs.claimsCopy]);
  if (read) return read;
  const out = await ctx.repo.git.text(['for-each-ref', '--format=%(objectname) %(refname)', '--end-of-options', refs.viewCopy, refs.clonesCopy, refs.claimsCopy]);
  const map = new Map<string, string>();
  for (const line of out.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0) map.set(line.slice(sp + 1), line.slice(0, sp));
  }
  return map;
}

function stateOf(remote: Remote, refs: RemoteRefs, copies: Map<string, string>): Omit<RemoteState, 'deepened' | 'rewrite'> {
  const clones = new Map<string, string>();
  const claims = new Map<string, string>();
  let view: string | null = null;
  for (const [ref, oid] of copies) {
    if (ref === refs.viewCopy) view = oid;
    else if (ref.startsWith(refs.clonesCopy) && !ref.slice(refs.clonesCopy.length).includes('/')) clones.set(ref.slice(refs.clonesCopy.length), oid);
    else if (ref.startsWith(refs.claimsCopy) && !ref.slice(refs.claimsCopy.length).includes('/')) claims.set(ref.slice(refs.claimsCopy.length), oid);
  }
  return { remote, refs, view, clones, claims, empty: !view && !clones.size && !claims.size };
}

export interface FetchStateOptions {
  /** Also bring published snapshots (refs/ctx/wip/*). */
  snapshots?: boolean;
  rewrite?: RewriteChoice;
}

/**
 * One fetch of everything the remote holds for the branch (see the module comment), deepened first
 * when a shallow clone cut the history, and checked for a rewrite.
 */
export async function fetchRemoteState(ctx: Ctx, remote: Remote, net: NetOptions, opts: FetchStateOptions = {}): Promise<RemoteState> {
  const { repo, store } = ctx;
  const refs = remoteRefs(store.branch, remote.label);
  const specs = fetchRefspecs(refs);
  const always = [...specs.globs, ...(opts.snapshots ? [`+${WIP_REF_PREFIX}*:${remoteCopyPrefix(remote, 'wip')}*`] : [])];
  const before = await readCopies(ctx, refs);
  await fetchRefs(repo.git, remote, { optional: [specs.view], always }, { ...net, prune: true });
  let copies = await readCopies(ctx, refs);
  let deepened = false;
  const local = await store.tip();
  const tips = [...new Set(copies.values())];
  if (tips.length && (await reachesShallowBoundary(repo.git, repo.commonDir, local ? [...tips, local] : tips))) {
    await fetchRefs(repo.git, remote, { optional: [specs.view], always: specs.globs }, { ...net, depth: DEEPEN_ALL });
    copies = await readCopies(ctx, refs);
    deepened = true;
  }
  const state = { ...stateOf(remote, refs, copies), deepened, rewrite: null as Rewrite | null };
  const rewrite = await findRewrite(ctx, before, copies);
  if (!rewrite) return state;
  if (opts.rewrite === 'adopt' || opts.rewrite === 'restore') return { ...state, rewrite };
  await restoreCopies(ctx, before, copies);
  const list = (ids: string[]) => (ids.length ? ` (${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', ...' : ''})` : '');
  throw new RemoteError(
    `${remote.display} rewrote its ${store.branch} history: merging it would bring back ${rewrite.removed.length} removed entr${rewrite.removed.length === 1 ? 'y' : 'ies'}${list(rewrite.removed)}` +
      (rewrite.changed.length ? ` and undo changes to ${rewrite.changed.length}${list(rewrite.changed)}` : ''),
    {
      code: 'E_REMOTE_REWRITTEN',
      data: { remote: remote.display, removed: rewrite.removed, changed: rewrite.changed, before: rewrite.before, after: rewrite.after },
      hint: `nothing was merged. To take the remote's history (what it removed goes here too; what only this clone has is kept): git ctx sync --adopt-rewrite ${remote.display}\nTo put back what it removed instead (an accidental forced push): git ctx sync --restore-rewrite ${remote.display}`,
    },
  );
}

/** Commits read in process, newest first, looking for the old values of refs that moved (then git is asked). */
const REACH_BUDGET = 256;

/**
 * Whether some value the local copies held before the fetch is contained in none of the values they
 * hold now (see the module comment). Returns what the rewrite removed and changed, or null.
 */
async function findRewrite(ctx: Ctx, before: Map<string, string>, after: Map<string, string>): Promise<Rewrite | null> {
  const now = new Set(after.values());
  const gone = [...new Set(before.values())].filter((oid) => !now.has(oid));
  if (!gone.length) return null;
  const git = ctx.repo.git;
  // A ref that moved forward holds its old value a few commits down: found in process, no process.
  const near = await reachedWithin(ctx.store, gone, [...now], REACH_BUDGET).catch(() => new Set<string>());
  const far = gone.filter((oid) => !near.has(oid));
  if (!far.length) return null;
  // Objects of a ref that was rewritten stay in this repository: the old values can still be walked.
  const lost = (await git.run(['rev-list', '-n1', ...far, '--not', ...now, '--'], { okStatus: [0, 128] })).stdout.toString('utf8').trim();
  if (!lost) return null;
  const old = await mergeCommits(ctx.store, [...new Set(before.values())]);
  const fresh = await mergeCommits(ctx.store, [...now]);
  const removed: string[] = [];
  const changed: string[] = [];
  if (old) {
    const diff = fresh
      ? (await git.run(['diff-tree', '-r', '-z', '--no-renames', '--name-status', old.commit, fresh.commit, '--', 'entries'])).stdout
      : (await git.run(['ls-tree', '-r', '-z', '--name-only', old.commit, '--', 'entries'])).stdout;
    const parts = splitNul(diff);
    const idOf = (p: string) => p.slice(p.lastIndexOf('/') + 1).replace(/(~[^.]*)?\.md$/, '');
    if (!fresh) for (const p of parts) removed.push(idOf(p));
    else
      for (let i = 0; i + 1 < parts.length; i += 2) {
        if (parts[i] === 'D') removed.push(idOf(parts[i + 1]!));
        else if (parts[i] === 'M') changed.push(idOf(parts[i + 1]!));
      }
  }
  return { before: old?.commit ?? gone[0]!, after: fresh?.commit ?? null, removed: [...new Set(removed)].sort(), changed: [...new Set(changed)].sort() };
}

/** Put the local copies back as they were before the fetch, so the next fetch finds the rewrite again. */
async function restoreCopies(ctx: Ctx, before: Map<string, string>, after: Map<string, string>): Promise<void> {
  const lines: string[] = [];
  for (const [ref, oid] of before) lines.push(`update ${ref} ${oid}`);
  for (const ref of after.keys()) if (!before.has(ref)) lines.push(`delete ${ref}`);
  if (lines.length) await ctx.repo.git.run(['update-ref', '--stdin'], { input: `${lines.join('\n')}\n`, okStatus: [0, 1, 128] });
}
