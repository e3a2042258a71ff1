/**
 * What git-ctx remembers about one agent session, between its hooks: a small file under the common
 * git dir, `.git/ctx/agents/<client>/<agent session id>.json`, never on the branch (docs/data-model.md,
 * "Agent hook state").
 *
 * - where the session started (HEAD, a digest of the uncommitted work, the context tip), so that a
 *   session that did nothing leaves no handoff;
 * - what it was shown, so that nothing reaches it twice, and the context tip at its last delivery, so
 *   that a prompt shows only what arrived since;
 * - messages delivered whose read receipts are not written yet (`pending`): a hook writes receipts only
 *   after its output was written out in full, and a hook stopped in between leaves them here for the
 *   next one;
 * - a handoff or regenerate handed to a background run (`ending`), so that a run that never finished
 *   is reported rather than lost.
 *
 * This module also answers "is anything new?" for a prompt from files alone (`nothingNew`), before
 * the store is opened: that is the common case, and it must cost little more than Node's start-up.
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { encodeName } from '../../model/state.js';

export const STATE_VERSION = 2;

export interface AgentState {
  version: typeof STATE_VERSION;
  client: string;
  agentSession: string;
  /** The git-ctx session it reads and writes as, and the place it runs in (see model/session-id.ts). */
  session: string;
  place: string;
  /** The context branch ref (refs/heads/context, or ctx.branch). */
  ref: string;
  startedAt: string;
  /** Where the session started (or last handed off): HEAD, uncommitted work, context tip. */
  base: { head: string | null; work: string | null; tip: string | null };
  /** The context tip when the session was last shown something (or last found nothing new). */
  seen: { tip: string | null; at: string };
  /** Message ids and conflict keys shown to this session (the newest SHOWN_MAX of each). */
  shown: { messages: string[]; conflicts: string[] };
  /** Messages delivered in full whose read receipts are still to be written. */
  pending: string[];
  /** The conflict scan this session's prompts read, and its modification time when last read. */
  conflicts: { file: string | null; stamp: number | null; scanAt: number | null };
  /** The newest automatic handoff of this session (a newer one of the same session replaces it). */
  lastHandoff: string | null;
  /** A handoff or regenerate handed to a background run and not finished yet. */
  ending: { event: string; at: string; token: string } | null;
}

const SHOWN_MAX = 2000;

export function agentsDir(privateDir: string, client: string): string {
  return join(privateDir, 'agents', encodeName(client));
}

export function statePath(privateDir: string, client: string, agentSession: string): string {
  return join(agentsDir(privateDir, client), `${encodeName(agentSession).slice(0, 200)}.json`);
}

export function readState(path: string): AgentState | null {
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as AgentState;
    return s && s.version === STATE_VERSION && Array.isArray(s.shown?.messages) && Array.isArray(s.pending) ? s : null;
  } catch {
    return null;
  }
}

/** Write the state whole (a temporary file renamed over it: a reader never sees half of it). */
export function writeState(path: string, s: AgentState, pid: number): void {
  s.shown.messages = s.shown.messages.slice(-SHOWN_MAX);
  s.shown.conflicts = s.shown.conflicts.slice(-SHOWN_MAX);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(s)}\n`);
  renameSync(tmp, path);
}

/** Files of sessions idle this long are removed (sessions that ended without SessionEnd). */
export const STATE_MAX_AGE_MS = 14 * 86_400_000;

export function pruneStates(privateDir: string, client: string, now: number): void {
  const dir = agentsDir(privateDir, client);
  try {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (now - statSync(p).mtimeMs > STATE_MAX_AGE_MS) rmSync(p, { force: true, recursive: true });
    }
  } catch {
    /* no directory yet */
  }
}

// ---------------------------------------------------------------------------------------------------
// Failures of background runs, reported in the next brief of the same place.

export interface HookFailure {
  session: string;
  place: string;
  event: string;
  at: string;
  error: string;
}

function failuresDir(privateDir: string): string {
  return join(privateDir, 'agents', 'failures');
}

export function recordFailure(privateDir: string, f: HookFailure, name: string): void {
  const dir = failuresDir(privateDir);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(f)}\n`);
}

/** Failures recorded for this place (or for sessions that ran here): [file, failure]. */
export function failuresFor(privateDir: string, place: string): [string, HookFailure][] {
  const dir = failuresDir(privateDir);
  const out: [string, HookFailure][] = [];
  try {
    for (const name of readdirSync(dir).sort()) {
      try {
        const f = JSON.parse(readFileSync(join(dir, name), 'utf8')) as HookFailure;
        if (f.place === place) out.push([join(dir, name), f]);
      } catch {
        /* being written */
      }
    }
  } catch {
    /* none */
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// "Is anything new?" from files alone.

/** The common git dir of the repository `cwd` is in, found as git finds it (no GIT_DIR in the environment). */
export function findCommonDir(cwd: string): string | null {
  for (let dir = resolve(cwd); ; ) {
    const dotGit = join(dir, '.git');
    try {
      const st = statSync(dotGit);
      if (st.isDirectory()) return dotGit;
      const m = /^gitdir: (.+)$/m.exec(readFileSync(dotGit, 'utf8'));
      if (!m) return null;
      const gitDir = isAbsolute(m[1]!.trim()) ? m[1]!.trim() : resolve(dir, m[1]!.trim());
      try {
        const common = readFileSync(join(gitDir, 'commondir'), 'utf8').trim();
        return isAbsolute(common) ? common : resolve(gitDir, common);
      } catch {
        return gitDir;
      }
    } catch {
      const up = dirname(dir);
      if (up === dir) return null;
      dir = up;
    }
  }
}

/** A ref's value from its loose file, else from packed-refs (null: neither has it). */
export function readRefFile(commonDir: string, ref: string): string | null {
  try {
    const v = readFileSync(join(commonDir, ref), 'utf8').trim();
    if (/^[0-9a-f]{40,64}$/.test(v)) return v;
    return null; // a symbolic ref or something else: let git read it
  } catch {
    /* packed, or absent */
  }
  let fd: number | null = null;
  try {
    fd = openSync(join(commonDir, 'packed-refs'), 'r');
    const size = fstatSync(fd).size;
    if (size > 8 << 20) return null; // a huge file: git reads it faster than this would
    const buf = Buffer.alloc(size);
    readSync(fd, buf, 0, size, 0);
    const text = buf.toString('latin1');
    const at = text.indexOf(` ${ref}\n`);
    if (at < 0) return null;
    const start = text.lastIndexOf('\n', at) + 1;
    return text.slice(start, at);
  } catch {
    return null;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

export type FastAnswer = { kind: 'nothing'; state: AgentState; path: string; staleScan: boolean } | { kind: 'unknown' };

/**
 * Whether a prompt of this agent session has nothing new to show, from files alone: its state says
 * what it last saw, the context ref still points there, no receipt is pending and the conflict scan
 * it reads has not changed. `unknown` sends the hook the long way (open the store and look).
 * `staleScan`: the conflict scan is over `scanAfterMs` old, and no scan was asked for since.
 */
export function nothingNew(cwd: string, client: string, agentSession: string, now: number, scanAfterMs: number): FastAnswer {
  const common = findCommonDir(cwd);
  if (!common) return { kind: 'unknown' };
  const path = statePath(join(common, 'ctx'), client, agentSession);
  const state = readState(path);
  if (!state || state.pending.length || state.ending || !state.seen.tip) return { kind: 'unknown' };
  if (readRefFile(common, state.ref) !== state.seen.tip) return { kind: 'unknown' };
  let stamp: number | null = null;
  if (state.conflicts.file) {
    try {
      stamp = statSync(state.conflicts.file).mtimeMs;
    } catch {
      stamp = null;
    }
  }
  if (stamp !== state.conflicts.stamp) return { kind: 'unknown' };
  const staleScan = now - (stamp ?? 0) > scanAfterMs && now - (state.conflicts.scanAt ?? 0) > scanAfterMs;
  return { kind: 'nothing', state, path, staleScan };
}

/**
 * Note in the session's state file that a background run has its SessionEnd, Stop or PreCompact (the
 * run clears it with `token`), from files alone: these hooks must return within the agent's budget
 * (Codex gives SessionEnd 3 s at most), so they start no git process.
 */
export function markEnding(privateDir: string, client: string, agentSession: string, event: string, now: number, token: string, pid: number): void {
  const path = statePath(privateDir, client, agentSession);
  const state = readState(path);
  if (!state) return;
  state.ending = { event, at: new Date(now).toISOString(), token };
  writeState(path, state, pid);
}
