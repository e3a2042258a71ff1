/**
 * Talking to a remote, through the system git and nothing else, so that ssh, https, credential
 * helpers, `insteadOf`, proxies and GIT_SSH_COMMAND behave exactly as for the user's own pushes.
 *
 * - Fetch goes into a private ref, `refs/ctx/remotes/<remote>/<branch>`, with `--refmap=` (git would
 *   otherwise also move `refs/remotes/<remote>/<branch>` "opportunistically"), `--no-tags` and
 *   `--no-write-fetch-head`: no ref of the user's changes.
 * - Push is a plain `git push --no-verify <url> <oid>:refs/heads/<branch>`, never forced: the remote
 *   refusing a non-fast-forward is the compare-and-swap that makes concurrent pushers retry. It goes to
 *   the remote's push URL rather than its name, because pushing to a name also moves the user's
 *   remote-tracking ref.
 */
import { nodeCrypto } from '../builtins.js';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { GitRunner, RunResult } from './run.js';
import { removeIfStale, STALE_REF_LOCK_MS } from './refs.js';
import { RemoteError, UsageError, firstLine } from '../errors.js';

export interface Remote {
  /** As the user named it (a remote name, a URL or a path). */
  name: string;
  /** A configured remote (`git remote`), as opposed to a URL or a path. */
  named: boolean;
  /** What `git fetch` is given: the name, or the URL / absolute path. */
  fetchTarget: string;
  /** Where pushes go (the remote's pushurl or url, rewritten by insteadOf / pushInsteadOf). */
  pushUrl: string;
  receivePack: string | null;
  /** The path component under refs/ctx/remotes/ for this remote. */
  label: string;
}

export interface NetOptions {
  /** May git ask for credentials on the terminal? (Never inside hooks: nothing may hang.) */
  interactive: boolean;
  /** Give up at this time (milliseconds since the epoch). */
  deadline?: number;
  now(): number;
  /** Receives git's own progress output (only when set: progress is for terminals). */
  progress?: (chunk: string) => void;
  /** Wait this long (ms); without it, a ref lock held by another fetch fails the fetch at once. */
  sleep?: (ms: number) => Promise<void>;
}

/** A depth larger than any history, but finite: `--depth=<infinite>` unshallows every branch, this only the one fetched. */
export const DEEPEN_ALL = 1_000_000_000;

const URL_RE = /^[a-z][a-z0-9+.-]*:\/\//i;
const SCP_RE = /^[^/:]+:/;
const LABEL_RE = /^(?!\.)(?!.*\.\.)[A-Za-z0-9._-]+(?<!\.lock)$/;

/** Find out what `name` is: a configured remote, or a URL or path (made absolute against `cwd`). */
export async function resolveRemote(git: GitRunner, cwd: string, name: string): Promise<Remote> {
  if (!name || name.startsWith('-') || /[\0\n\r]/.test(name)) throw new UsageError(`not a remote: ${JSON.stringify(name)}`, { code: 'E_REMOTE_NAME' });
  const r = await git.run(['remote', 'get-url', '--push', '--end-of-options', name], { okStatus: [0, 2, 128] });
  if (r.status === 0) {
    const rp = await git.run(['config', '--get', `remote.${name}.receivepack`], { okStatus: [0, 1] });
    return {
      name,
      named: true,
      fetchTarget: name,
      pushUrl: r.stdout.toString('utf8').split('\n')[0]!,
      receivePack: rp.status === 0 ? rp.stdout.toString('utf8').trim() || null : null,
      label: LABEL_RE.test(name) ? name : urlLabel(name),
    };
  }
  const isUrl = URL_RE.test(name) || (SCP_RE.test(name) && !existsSync(resolve(cwd, name)));
  const target = isUrl || isAbsolute(name) ? name : resolve(cwd, name);
  if (!isUrl && !existsSync(target)) {
    throw new RemoteError(`no remote named ${name}, and no repository at ${target}`, {
      code: 'E_REMOTE_UNREACHABLE',
      data: { remote: name },
      hint: 'add one (git remote add origin <url>), or name it: git ctx init --remote <name>',
    });
  }
  return { name, named: false, fetchTarget: target, pushUrl: target, receivePack: null, label: urlLabel(target) };
}

function urlLabel(url: string): string {
  return `url-${nodeCrypto().createHash('sha1').update(url).digest('hex').slice(0, 12)}`;
}

/** The private ref that holds the last known tip of `branch` on `remote`. */
export function trackingRef(remote: Remote, branch: string): string {
  return `refs/ctx/remotes/${remote.label}/${branch}`;
}

/** Where the refs `prefix`* of `remote` (published snapshots, refs/ctx/wip/) are fetched to. */
export function remoteCopyPrefix(remote: Remote, kind: string): string {
  return `refs/ctx/remote-${kind}/${remote.label}/`;
}

/**
 * Record that the remote's `branch` is now at `oid` (we just pushed it). The tracking ref is only a
 * note of the last known tip, refreshed by every fetch: failing to write it (a lock left by a killed
 * process) must not turn a push that landed into a failure.
 */
export async function recordRemoteTip(git: GitRunner, ref: string, oid: string): Promise<void> {
  await git.run(['update-ref', '-m', 'git-ctx: push', '--end-of-options', ref, oid], { okStatus: [0, 1, 128] });
}

function netEnv(opts: NetOptions): Record<string, string> | undefined {
  // GCM_INTERACTIVE: Git Credential Manager's own switch; GIT_TERMINAL_PROMPT covers git's prompts.
  return opts.interactive ? undefined : { GIT_TERMINAL_PROMPT: '0', GCM_INTERACTIVE: 'never' };
}

function timeLeft(opts: NetOptions, remote: Remote, action: string): number | undefined {
  if (opts.deadline === undefined) return undefined;
  const left = opts.deadline - opts.now();
  if (left <= 0) throw new RemoteError(`${action} ${remote.name}: out of time`, { code: 'E_REMOTE_TIMEOUT', data: { remote: remote.name } });
  return left;
}

/** Progress lines go through; git's error lines do not (they become our one-line error instead). */
function progressFilter(opts: NetOptions): ((chunk: string) => void) | undefined {
  const sink = opts.progress;
  if (!sink) return undefined;
  return (chunk) => {
    const kept = chunk
      .split(/(?<=[\r\n])/)
      .filter((l) => !/^(fatal|error|hint):/.test(l))
      .join('');
    if (kept) sink(kept);
  };
}

/** Turn a failed transport command into a RemoteError carrying git's reason in one line. */
export function remoteFailure(action: string, remote: Remote, r: Pick<RunResult, 'status' | 'stderr'>): RemoteError {
  const data = { remote: remote.name, status: r.status, stderr: r.stderr };
  if (r.status === null) return new RemoteError(`${action} ${remote.name}: timed out`, { code: 'E_REMOTE_TIMEOUT', data });
  const reason = firstLine(r.stderr) || `git exited with status ${r.status}`;
  if (/Authentication failed|Permission denied|could not read (Username|Password)|terminal prompts disabled|returned error: 40[13]|access denied/i.test(r.stderr)) {
    return new RemoteError(`${action} ${remote.name}: ${reason}`, { code: 'E_REMOTE_AUTH', data, hint: 'check that `git fetch` and `git push` work for this remote without git-ctx' });
  }
  return new RemoteError(`${action} ${remote.name}: ${reason}`, {
    code: 'E_REMOTE_UNREACHABLE',
    data,
    hint: remote.named ? `check the remote with: git ls-remote ${remote.name}` : 'name a configured remote, or set one with: git ctx init --remote <name>',
  });
}

/**
 * Fetch `branch` from the remote into its private ref. Returns the fetched tip, or null when the remote
 * has no such branch (the private ref is then removed). `depth` deepens a shallow history; `also`
 * adds refspecs fetched along (published snapshots).
 *
 * The private refs under refs/ctx/ are written by fetches of git-ctx only. When one cannot be updated,
 * another fetch in this repository holds its lock (wait for it: a live fetch holds it for
 * milliseconds) or moved it since this one read it (fetch again), or a fetch was killed holding the
 * lock (removed once it is STALE_REF_LOCK_MS old), so that neither a concurrent pull nor a crash
 * fails the next pull.
 */
export async function fetchBranch(git: GitRunner, remote: Remote, branch: string, opts: NetOptions & { depth?: number; also?: readonly string[] }): Promise<string | null> {
  const dst = trackingRef(remote, branch);
  const args = ['fetch', '--no-tags', '--no-write-fetch-head', '--no-recurse-submodules', '--refmap=', opts.progress ? '--progress' : '--quiet'];
  if (opts.depth) args.push(`--depth=${opts.depth}`);
  args.push('--end-of-options', remote.fetchTarget, `+refs/heads/${branch}:${dst}`, ...(opts.also ?? []));
  const limit = Math.min(opts.now() + STALE_REF_LOCK_MS + 2000, opts.deadline ?? Infinity);
  for (;;) {
    const r = await git.run(args, { okStatus: [0, 1, 128], env: netEnv(opts), timeoutMs: timeLeft(opts, remote, 'cannot fetch from'), onStderr: progressFilter(opts) }).catch((e) => {
      throw remoteFailure('cannot fetch from', remote, e.result ?? { status: -1, stderr: String(e.message) });
    });
    if (r.status === 0) break;
    if (/couldn't find remote ref/.test(r.stderr)) {
      await git.run(['update-ref', '-d', dst], { okStatus: [0, 1, 128] });
      return null;
    }
    if (!opts.sleep || !(await privateRefFree(r.stderr, opts, limit))) throw remoteFailure('cannot fetch from', remote, r);
  }
  return (await git.text(['rev-parse', '--verify', '--end-of-options', `${dst}^{commit}`])).trim();
}

/**
 * Whether a fetch that failed only because one of git-ctx's own refs was busy may be tried again:
 * waits for its lock to go (or removes it once stale). False for any other failure, or past `limit`.
 */
async function privateRefFree(stderr: string, opts: NetOptions, limit: number): Promise<boolean> {
  if (!/cannot lock ref 'refs\/ctx\//.test(stderr)) return false;
  const lock = /cannot lock ref 'refs\/ctx\/[^']*': Unable to create '([^']+\.lock)': File exists/.exec(stderr)?.[1];
  for (;;) {
    if (!lock || removeIfStale(lock, opts.now())) {
      // Moved by another fetch, or its lock gone: fetch again, a little later than the other one.
      if (opts.now() >= limit) return false;
      await opts.sleep!(10);
      return true;
    }
    if (opts.now() >= limit) return false;
    await opts.sleep!(50);
  }
}

export type PushOutcome = { ok: true; created: boolean } | { ok: false; reason: string };

/** One `git push --porcelain` of one refspec; returns git's result and the porcelain line for `dst`. */
async function pushOne(git: GitRunner, remote: Remote, refspec: string, dst: string, opts: NetOptions): Promise<{ r: RunResult; line: string | undefined }> {
  // Not --quiet: it also hides the porcelain lines that say what happened to the ref.
  const args = ['push', '--porcelain', '--no-verify', ...(opts.progress ? ['--progress'] : [])];
  if (remote.receivePack) args.push(`--receive-pack=${remote.receivePack}`);
  args.push('--end-of-options', remote.pushUrl, refspec);
  const r = await git.run(args, { okStatus: [0, 1, 128], env: netEnv(opts), timeoutMs: timeLeft(opts, remote, 'cannot push to'), onStderr: progressFilter(opts) }).catch((e) => {
    throw remoteFailure('cannot push to', remote, e.result ?? { status: -1, stderr: String(e.message) });
  });
  const line = r.stdout
    .toString('utf8')
    .split('\n')
    .find((l) => l.split('\t')[1]?.endsWith(`:${dst}`));
  return { r, line };
}

/** A refusal that is not "the remote moved": a protected ref, a server hook. */
function refused(remote: Remote, dst: string, line: string, stderr: string, hint: string): RemoteError {
  const summary = line.split('\t')[2] ?? '';
  const said = stderr
    .split('\n')
    .map((l) => l.replace(/^remote:\s*/, '').trim())
    .find((l) => /^(error|GH\d+|fatal)\b/i.test(l));
  const reason = summary.replace(/^\[remote rejected\]\s*/, '').replace(/^\((.*)\)$/, '$1');
  return new RemoteError(`${remote.name} refused ${dst}: ${said ? `${reason}: ${said}` : reason}`, { code: 'E_REMOTE_REJECTED', data: { remote: remote.name, summary, stderr }, hint });
}

/**
 * Push `oid` to `refs/heads/<branch>` on the remote, without force. `{ ok: false }` means the remote
 * moved (non-fast-forward): fetch, merge and try again. Any other refusal (a protected branch, a hook
 * on the server) or failure to reach the remote throws a RemoteError with git's reason.
 */
export async function pushBranch(git: GitRunner, remote: Remote, oid: string, branch: string, opts: NetOptions): Promise<PushOutcome> {
  const dst = `refs/heads/${branch}`;
  const { r, line } = await pushOne(git, remote, `${oid}:${dst}`, dst, opts);
  if (r.status === 0 && line && line[0] !== '!') return { ok: true, created: line[0] === '*' };
  if (line?.startsWith('!')) {
    const summary = line.split('\t')[2] ?? '';
    // The remote moved: refused by our git before sending (fetch first), or by the server losing the
    // race for its own ref lock to another pusher (failed to update ref / cannot lock ref).
    if (/^\[rejected\] \((fetch first|non-fast-forward|stale info)\)/.test(summary)) return { ok: false, reason: summary };
    if (/^\[remote rejected\] \((failed to update ref|cannot lock ref)/.test(summary)) return { ok: false, reason: summary };
    throw refused(remote, dst, line, r.stderr, 'the remote does not accept pushes to this branch (a protected branch?); set another with git config ctx.branch');
  }
  throw remoteFailure('cannot push to', remote, r);
}

/**
 * Point `ref` on the remote at `oid`, forced: for refs that are replaced rather than extended (a
 * published snapshot does not descend from the previous one). Throws a RemoteError when refused.
 */
export async function pushReplacing(git: GitRunner, remote: Remote, oid: string, ref: string, opts: NetOptions): Promise<void> {
  const { r, line } = await pushOne(git, remote, `+${oid}:${ref}`, ref, opts);
  if (r.status === 0 && line && line[0] !== '!') return;
  if (line?.startsWith('!')) throw refused(remote, ref, line, r.stderr, `the remote does not accept pushes to ${ref}`);
  throw remoteFailure('cannot push to', remote, r);
}

/**
 * Whether the history of `tips` reaches a shallow boundary (a commit whose parents a shallow clone
 * left out): merging it as it is would find no merge base, or an old one.
 */
export async function reachesShallowBoundary(git: GitRunner, commonDir: string, tips: readonly string[]): Promise<boolean> {
  const file = join(commonDir, 'shallow');
  if (!tips.length || !existsSync(file)) return false;
  const shallow = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  if (!shallow.length) return false;
  // Shallow commits have no parents here, so this lists exactly those the tips do not reach; the walk
  // stops as soon as the dates say nothing older can matter.
  const r = await git.run(['rev-list', ...shallow, '--not', ...tips, '--'], { okStatus: [0, 128] });
  return r.status === 0 && r.stdout.toString('utf8').split('\n').filter(Boolean).length < shallow.length;
}
