/**
 * Talking to a remote, through the system git and nothing else, so that ssh, https, credential
 * helpers, `insteadOf`, proxies and GIT_SSH_COMMAND behave exactly as for the user's own pushes.
 *
 * - Fetches go into private refs under refs/ctx/ (src/model/remote-refs.ts), with `--refmap=` (git would
 *   otherwise also move `refs/remotes/<remote>/<branch>` "opportunistically"), `--no-tags` and
 *   `--no-write-fetch-head`: no ref of the user's changes.
 * - Pushes go to the remote's push URL rather than its name, because pushing to a name also moves the
 *   user's remote-tracking ref. Each ref's fate is read from `--porcelain`: a push of several refs is
 *   not atomic, and each one lands or is refused on its own.
 * - Every network command is bounded: git's own stall limits (http.lowSpeedLimit/lowSpeedTime; ssh's
 *   ConnectTimeout and ServerAliveInterval through GIT_SSH_COMMAND), each only where the user set none
 *   of their own, and an overall deadline after which git and the helpers it started are stopped.
 * - URLs are shown without credentials (`display`), in messages and data alike, as git shows them.
 */
import { nodeCrypto } from '../builtins.js';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { GitRunner, RunResult } from './run.js';
import type { GitConfig } from './config.js';
import { removeIfStale, STALE_REF_LOCK_MS } from './refs.js';
import { RemoteError, UsageError, firstLine } from '../errors.js';

export interface Remote {
  /** As the user named it (a remote name, a URL or a path): may hold a password, never print it. */
  name: string;
  /** `name` with any credentials removed: what messages and results show. */
  display: string;
  /** A configured remote (`git remote`), as opposed to a URL or a path. */
  named: boolean;
  /** What `git fetch` is given: the name, or the URL / absolute path. */
  fetchTarget: string;
  /** Where pushes go (the remote's pushurl or url, rewritten by insteadOf / pushInsteadOf). */
  pushUrl: string;
  receivePack: string | null;
  /** The path component under refs/ctx/remote*\/ for this remote. */
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
  /**
   * Seconds without progress after which git itself gives up (http.lowSpeedTime below 1000 bytes/s;
   * ssh ConnectTimeout and ServerAliveInterval). 0 or unset: git's defaults.
   */
  stallSeconds?: number;
  /** The user configured http.lowSpeedLimit/lowSpeedTime (or GIT_HTTP_LOW_SPEED_*): leave them. */
  userHttpLimits?: boolean;
  /** The user chose how git runs ssh (GIT_SSH_COMMAND, GIT_SSH, core.sshCommand): leave it. */
  userSsh?: boolean;
}

/** A depth larger than any history, but finite: `--depth=<infinite>` unshallows every branch, this only the one fetched. */
export const DEEPEN_ALL = 1_000_000_000;

const URL_RE = /^[a-z][a-z0-9+.-]*:\/\//i;
const SCP_RE = /^[^/:]+:/;
const LABEL_RE = /^(?!\.)(?!.*\.\.)[A-Za-z0-9._-]+(?<!\.lock)$/;

/** A URL without its user and password (`scheme://host/...`), as git prints URLs: the user part may be a token too. */
export function stripCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
}

/** Every URL in a text with its credentials removed (git's stderr, a message, a hint). */
export function redactUrls(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s'"@]*@/gi, '$1');
}

/** Find out what `name` is: a configured remote, or a URL or path (made absolute against `cwd`). */
export async function resolveRemote(git: GitRunner, cwd: string, name: string, config?: GitConfig): Promise<Remote> {
  if (!name || name.startsWith('-') || /[\0\n\r]/.test(name)) throw new UsageError(`not a remote: ${JSON.stringify(redactUrls(name))}`, { code: 'E_REMOTE_NAME' });
  const display = stripCredentials(name);
  const r = await git.run(['remote', 'get-url', '--push', '--end-of-options', name], { okStatus: [0, 2, 128] });
  if (r.status === 0) {
    const receivePack = config ? config.get(`remote.${name}.receivepack`) : (await git.run(['config', '--get', `remote.${name}.receivepack`], { okStatus: [0, 1] })).stdout.toString('utf8');
    return {
      name,
      display,
      named: true,
      fetchTarget: name,
      pushUrl: r.stdout.toString('utf8').split('\n')[0]!,
      receivePack: receivePack?.trim() || null,
      label: LABEL_RE.test(name) ? name : urlLabel(display),
    };
  }
  const isUrl = URL_RE.test(name) || (SCP_RE.test(name) && !existsSync(resolve(cwd, name)));
  const target = isUrl || isAbsolute(name) ? name : resolve(cwd, name);
  if (!isUrl && !existsSync(target)) {
    throw new RemoteError(`no remote named ${display}, and no repository at ${stripCredentials(target)}`, {
      code: 'E_REMOTE_UNREACHABLE',
      data: { remote: display },
      hint: 'add one (git remote add origin <url>), or name it: git ctx init --remote <name>',
    });
  }
  // Labelled by the URL without credentials: a changed password keeps the same private refs.
  return { name, display, named: false, fetchTarget: target, pushUrl: target, receivePack: null, label: urlLabel(stripCredentials(target)) };
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
 * Record that the remote's ref is now at `oid` (we just pushed it). The copy is only a note of the
 * last known value, refreshed by every fetch: failing to write it (a lock left by a killed process)
 * must not turn a push that landed into a failure.
 */
export async function recordRemoteTip(git: GitRunner, ref: string, oid: string): Promise<void> {
  await git.run(['update-ref', '-m', 'git-ctx: push', '--end-of-options', ref, oid], { okStatus: [0, 1, 128] });
}

/** The lowest speed git's HTTP transport accepts before it counts a stall (bytes per second). */
const LOW_SPEED_LIMIT = 1000;

/** `-c` settings for one network command: git's stall limits, where the user set none. */
function netConfig(opts: NetOptions): string[] {
  const s = stallSeconds(opts);
  if (!s || opts.userHttpLimits) return [];
  return ['-c', `http.lowSpeedLimit=${LOW_SPEED_LIMIT}`, '-c', `http.lowSpeedTime=${s}`];
}

function stallSeconds(opts: NetOptions): number {
  return Math.max(0, Math.floor(opts.stallSeconds ?? 0));
}

function netEnv(opts: NetOptions): Record<string, string> | undefined {
  const env: Record<string, string> = {};
  // GCM_INTERACTIVE: Git Credential Manager's own switch; GIT_TERMINAL_PROMPT covers git's prompts.
  if (!opts.interactive) Object.assign(env, { GIT_TERMINAL_PROMPT: '0', GCM_INTERACTIVE: 'never' });
  const s = stallSeconds(opts);
  if (s && !opts.userSsh) {
    // ConnectTimeout also bounds the banner exchange; ServerAlive* a connection that goes quiet.
    const batch = opts.interactive ? '' : ' -o BatchMode=yes';
    env.GIT_SSH_COMMAND = `ssh -o ConnectTimeout=${s} -o ServerAliveInterval=${Math.max(1, Math.ceil(s / 2))} -o ServerAliveCountMax=2${batch}`;
  }
  return Object.keys(env).length ? env : undefined;
}

function timeLeft(opts: NetOptions, remote: Remote, action: string): number | undefined {
  if (opts.deadline === undefined) return undefined;
  const left = opts.deadline - opts.now();
  if (left <= 0) throw new RemoteError(`${action} ${remote.display}: out of time`, { code: 'E_REMOTE_TIMEOUT', data: { remote: remote.display } });
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
    if (kept) sink(redactUrls(kept));
  };
}

/**
 * git's reason in one line: its first fatal/error line, with the line after it when that one ends
 * in a colon ("unable to connect to host:" / "errno=Connection refused"), and what the server said
 * (`remote:` lines: a hook's message).
 */
export function gitReason(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const i = lines.findIndex((l) => /^(fatal|error):/.test(l));
  let reason = firstLine(stderr);
  if (i >= 0 && reason.endsWith(':') && lines[i + 1] && !/^(fatal|error|hint|remote):/.test(lines[i + 1]!)) reason = `${reason} ${lines[i + 1]}`;
  const said = serverSaid(stderr);
  if (said && !reason.includes(said)) reason = reason ? `${reason} (remote: ${said})` : said;
  return redactUrls(reason);
}

/** The server's own words (`remote:` lines), without progress and blank lines; at most ~300 characters. */
function serverSaid(stderr: string): string {
  const lines = stderr
    .split('\n')
    .filter((l) => l.startsWith('remote:'))
    .map((l) => l.replace(/^remote:\s*/, '').replace(/\s+$/, ''))
    // Progress, and git's own boilerplate after a hook's refusal (the hook's words come before it).
    .filter((l) => l && !/^(Counting|Compressing|Writing|Total|Resolving|Enumerating|Processing)\b|\d+% \(|^error: hook declined to update /.test(l));
  const text = lines.join('; ');
  return text.length > 300 ? `${text.slice(0, 299)}…` : text;
}

/** Turn a failed transport command into a RemoteError carrying git's reason in one line. */
export function remoteFailure(action: string, remote: Remote, r: Pick<RunResult, 'status' | 'stderr'>): RemoteError {
  const stderr = redactUrls(r.stderr);
  const data = { remote: remote.display, status: r.status, stderr };
  const reason = gitReason(stderr) || `git exited with status ${r.status}`;
  if (r.status === null) {
    return new RemoteError(`${action} ${remote.display}: no answer in time${stderr.trim() ? ` (${reason})` : ''}`, {
      code: 'E_REMOTE_TIMEOUT',
      data,
      hint: 'the remote did not answer; everything is kept locally (git config ctx.remoteTimeout sets the bound, in seconds)',
    });
  }
  if (/Operation too slow|timed out|Timeout was reached|Connection timeout/i.test(stderr)) {
    return new RemoteError(`${action} ${remote.display}: ${reason}`, { code: 'E_REMOTE_TIMEOUT', data, hint: 'the remote stopped answering; everything is kept locally' });
  }
  if (/Authentication failed|Permission denied|could not read (Username|Password)|terminal prompts disabled|returned error: 40[13]|access denied/i.test(stderr)) {
    return new RemoteError(`${action} ${remote.display}: ${reason}`, { code: 'E_REMOTE_AUTH', data, hint: 'check that `git fetch` and `git push` work for this remote without git-ctx' });
  }
  return new RemoteError(`${action} ${remote.display}: ${reason}`, {
    code: 'E_REMOTE_UNREACHABLE',
    data,
    hint: remote.named ? `check the remote with: git ls-remote ${remote.display}` : 'name a configured remote, or set one with: git ctx init --remote <name>',
  });
}

export interface FetchOptions extends NetOptions {
  /** Deepen a shallow history to this depth. */
  depth?: number;
  /** Remove local copies whose remote ref is gone (within the refspecs' destinations). */
  prune?: boolean;
}

/**
 * Fetch refspecs from the remote. `optional` refspecs name one ref each (no glob) that the remote may
 * not have: the fetch is then made without them, and their local copy removed. Returns the sources of
 * the optional refspecs that were missing.
 *
 * The private refs under refs/ctx/ are written by fetches of git-ctx only. When one cannot be updated,
 * another fetch in this repository holds its lock (wait for it: a live fetch holds it for
 * milliseconds) or moved it since this one read it (fetch again), or a fetch was killed holding the
 * lock (removed once it is STALE_REF_LOCK_MS old), so that neither a concurrent pull nor a crash
 * fails the next pull.
 */
export async function fetchRefs(git: GitRunner, remote: Remote, refspecs: { optional?: readonly string[]; always?: readonly string[] }, opts: FetchOptions): Promise<{ missing: string[] }> {
  let optional = [...(refspecs.optional ?? [])];
  const always = [...(refspecs.always ?? [])];
  const missing: string[] = [];
  const limit = Math.min(opts.now() + STALE_REF_LOCK_MS + 2000, opts.deadline ?? Infinity);
  for (;;) {
    const specs = [...optional, ...always];
    if (!specs.length) return { missing };
    // git's check of each updated ref for a forced update is a history walk per ref: git-ctx's copies
    // are checked for a rewritten remote by remote-state.ts, in one go.
    const args = [...netConfig(opts), '-c', 'advice.fetchShowForcedUpdates=false', 'fetch', '--no-tags', '--no-write-fetch-head', '--no-recurse-submodules', '--no-show-forced-updates', '--refmap=', opts.progress ? '--progress' : '--quiet'];
    if (opts.prune) args.push('--prune');
    if (opts.depth) args.push(`--depth=${opts.depth}`);
    args.push('--end-of-options', remote.fetchTarget, ...specs);
    const r = await git.run(args, { okStatus: [0, 1, 128], env: netEnv(opts), timeoutMs: timeLeft(opts, remote, 'cannot fetch from'), onStderr: progressFilter(opts) }).catch((e) => {
      throw remoteFailure('cannot fetch from', remote, e.result ?? { status: -1, stderr: String(e.message) });
    });
    if (r.status === 0) return { missing };
    const gone = /couldn't find remote ref (\S+)/.exec(r.stderr)?.[1];
    const spec = gone ? optional.find((s) => source(s) === gone) : undefined;
    if (spec) {
      optional = optional.filter((s) => s !== spec);
      missing.push(gone!);
      await git.run(['update-ref', '-d', '--end-of-options', destination(spec)], { okStatus: [0, 1, 128] });
      continue;
    }
    if (!opts.sleep || !(await privateRefFree(r.stderr, opts, limit))) throw remoteFailure('cannot fetch from', remote, r);
  }
}

function source(refspec: string): string {
  return refspec.replace(/^\+/, '').split(':')[0]!;
}

function destination(refspec: string): string {
  return refspec.split(':')[1]!;
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

/** One ref to update on the remote. */
export interface PushUpdate {
  /** The object to point it at; null deletes the ref. */
  oid: string | null;
  ref: string;
  /** Replace whatever is there (a non-fast-forward). */
  force?: boolean;
  /**
   * Update only if the remote's ref holds this value now (null: only if it does not exist), decided
   * by the remote under its ref lock: `--force-with-lease=<ref>:<value>`.
   */
  lease?: string | null;
}

export type PushRefOutcome =
  | { ok: true; created: boolean }
  /**
   * moved: the ref was not what this push expected (it moved, exists already, or another push holds
   * it): someone else got there first. refused: the server will not take it (a hook, a policy).
   */
  | { ok: false; kind: 'moved' | 'refused'; reason: string };

/** Per-ref rejections that mean "not what you expected": someone else got there first. */
const MOVED_RE = /^\[rejected\] \((fetch first|non-fast-forward|stale info|already exists)\)|^\[remote rejected\] \((failed to update ref|cannot lock ref|incorrect old value|reference already exists|failed to lock)/;

/**
 * Push several refs in one `git push --porcelain --no-verify` (not atomic: each lands or is refused on
 * its own) and report each ref's outcome. Throws a RemoteError when the remote could not be reached
 * or the push failed as a whole.
 */
export async function pushRefs(git: GitRunner, remote: Remote, updates: readonly PushUpdate[], opts: NetOptions): Promise<Map<string, PushRefOutcome>> {
  const out = new Map<string, PushRefOutcome>();
  if (!updates.length) return out;
  // Not --quiet: it also hides the porcelain lines that say what happened to each ref.
  const args = [...netConfig(opts), 'push', '--porcelain', '--no-verify', ...(opts.progress ? ['--progress'] : [])];
  if (remote.receivePack) args.push(`--receive-pack=${remote.receivePack}`);
  for (const u of updates) if (u.lease !== undefined) args.push(`--force-with-lease=${u.ref}:${u.lease ?? ''}`);
  args.push('--end-of-options', remote.pushUrl, ...updates.map((u) => `${u.force && u.lease === undefined ? '+' : ''}${u.oid ?? ''}:${u.ref}`));
  const r = await git.run(args, { okStatus: [0, 1, 128], env: netEnv(opts), timeoutMs: timeLeft(opts, remote, 'cannot push to'), onStderr: progressFilter(opts) }).catch((e) => {
    throw remoteFailure('cannot push to', remote, e.result ?? { status: -1, stderr: String(e.message) });
  });
  const lines = r.stdout.toString('utf8').split('\n');
  for (const u of updates) {
    const line = lines.find((l) => l.split('\t')[1]?.endsWith(`:${u.ref}`));
    if (!line) continue;
    const summary = line.split('\t')[2] ?? '';
    if (line[0] !== '!') {
      out.set(u.ref, { ok: true, created: line[0] === '*' });
      continue;
    }
    const reason = summary.replace(/^\[(remote )?rejected\]\s*/, '').replace(/^\((.*)\)$/, '$1');
    if (MOVED_RE.test(summary)) out.set(u.ref, { ok: false, kind: 'moved', reason });
    else {
      const said = serverSaid(r.stderr);
      out.set(u.ref, { ok: false, kind: 'refused', reason: redactUrls(said && !reason.includes(said) ? `${reason}: ${said}` : reason) });
    }
  }
  // Nothing said about some ref: the push failed before any ref was considered.
  if (out.size < updates.length) throw remoteFailure('cannot push to', remote, r);
  return out;
}

/** A refusal that is not "the remote moved": a protected ref, a server hook. */
export function refusedError(remote: Remote, ref: string, reason: string, hint: string): RemoteError {
  return new RemoteError(`${remote.display} refused ${ref}: ${reason}`, { code: 'E_REMOTE_REJECTED', data: { remote: remote.display, ref, reason }, hint });
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
