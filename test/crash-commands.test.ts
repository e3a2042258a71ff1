/**
 * Storage invariant 9 for the writing commands other than add: pull, push (with a bare remote served
 * by `git daemon`, as a server is: a process apart, which a killed client's process group does not
 * take down), gc, pickup, handoff and inbox --mark-read, each killed with SIGKILL at random instants
 * (half of the kills take the whole process group, git children included). After every trial:
 * `git fsck --strict` clean in every repository (the bare remote too), each branch at a valid commit
 * that still holds everything acknowledged before, every entry and state file whole, and the next
 * command of each kind succeeds. For pickup: no handoff is ever consumed twice.
 *
 * Acknowledged means printed: an id a command printed, a tip a push reported as landed, a handoff a
 * pickup delivered. Kill windows are calibrated per process (helpers/crash.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, readdirSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, contextTip, ctx, git, makeRepo } from './helpers/repo.js';
import { cloneOf, makeRemote, startDaemon, type Daemon } from './helpers/remote.js';
import { realDeps } from './helpers/real-deps.js';
import { runCrashTrials, type CrashScenario } from './helpers/crash.js';
import { openCtx, closeCtx, type Ctx } from '../src/core/context.js';
import { addEntry } from '../src/core/entries/add.js';
import { pickup } from '../src/core/mailbox/pickup.js';
import { inbox } from '../src/core/mailbox/inbox.js';
import { parseEntry } from '../src/model/entry.js';
import { baseName, claimPath, receiptPath } from '../src/model/state.js';

/** git without blocking the event loop: the lanes' kill timers must fire on time. */
async function gitAsync(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('git', args, { cwd, env: ENV, maxBuffer: 1 << 26 });
  return stdout;
}

/** The contents of blobs, in one `git cat-file --batch`. */
function catBlobs(cwd: string, oids: string[]): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, env: ENV });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`git cat-file exited ${code}`));
      const all = Buffer.concat(chunks);
      const out: Buffer[] = [];
      let at = 0;
      for (let i = 0; i < oids.length; i++) {
        const nl = all.indexOf(10, at);
        const [, type, size] = all.subarray(at, nl).toString('utf8').split(' ');
        if (type !== 'blob') return reject(new Error(`${oids[i]} is ${type}`));
        out.push(all.subarray(nl + 1, nl + 1 + Number(size)));
        at = nl + 1 + Number(size) + 1;
      }
      resolve(out);
    });
    child.stdin.end(oids.map((o) => `${o}\n`).join(''));
  });
}

interface BranchState {
  tip: string;
  /** path -> blob id */
  files: Map<string, string>;
  /** entry id -> path */
  entries: Map<string, string>;
}

/**
 * fsck the repository, then read its context branch whole: the tip must be a commit, every entry
 * must parse and every state file must be one JSON object. Returns null when there is no branch yet.
 */
async function checkRepo(repo: string): Promise<BranchState | null> {
  await gitAsync(repo, ['fsck', '--strict', '--no-progress', '--no-dangling']);
  if (!(await gitAsync(repo, ['for-each-ref', 'refs/heads/context']))) return null;
  const tip = (await gitAsync(repo, ['rev-parse', '--verify', 'context^{commit}'])).trim();
  const files = new Map<string, string>();
  for (const rec of (await gitAsync(repo, ['ls-tree', '-r', '-z', tip])).split('\0').filter(Boolean)) {
    const [meta, path] = rec.split('\t') as [string, string];
    files.set(path, meta.split(' ')[2]!);
  }
  const checked = [...files].filter(([p]) => p.startsWith('entries/') || p.startsWith('state/'));
  const blobs = await catBlobs(repo, checked.map(([, oid]) => oid));
  const entries = new Map<string, string>();
  checked.forEach(([path], i) => {
    const text = blobs[i]!.toString('utf8');
    try {
      if (path.startsWith('entries/')) entries.set(parseEntry(text).id, path);
      else if (typeof JSON.parse(text) !== 'object') throw new Error('not an object');
    } catch (e) {
      throw new Error(`${repo}: ${path} is not whole: ${(e as Error).message}`);
    }
  });
  return { tip, files, entries };
}

/** Lock files left under `dir` (recursively). */
function locksUnder(dir: string): number {
  let n = 0;
  const walk = (d: string) => {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(d, name);
      if (name.endsWith('.lock')) n++;
      else if (statSync(p).isDirectory()) walk(p);
    }
  };
  walk(dir);
  return n;
}

function json(stdout: string): any {
  try {
    return JSON.parse(stdout);
  } catch {
    return null; // killed before it printed
  }
}

async function inProcess<T>(dir: string, fn: (c: Ctx) => Promise<T>, nowOffsetMs = 0): Promise<T> {
  const c = await openCtx(realDeps(dir, ENV, nowOffsetMs ? { now: () => Date.now() + nowOffsetMs } : {}));
  try {
    return await fn(c);
  } finally {
    closeCtx(c);
  }
}

const daemons: Daemon[] = [];
afterAll(async () => {
  await Promise.all(daemons.splice(0).map((d) => d.stop()));
});

// ---------------------------------------------------------------------------------------------------
// push and pull

interface SyncWorld {
  bare: string;
  a: string;
  b: string;
}

/**
 * Two clones of a bare remote served by git daemon. Each trial: an entry written in each clone, a's
 * uncommitted work changed (so that push publishes, with snapshots on); then a push from a (killed)
 * beside a push from a that survives, and a pull from b (killed) beside a push from b that survives.
 */
const syncScenario: CrashScenario<SyncWorld> = {
  name: 'push and pull',
  async setup() {
    const bare = makeRemote();
    const daemon = await startDaemon(bare);
    daemons.push(daemon);
    const [a, b] = [cloneOf(bare), cloneOf(bare)];
    for (const dir of [a, b]) git(dir, ['remote', 'set-url', 'origin', daemon.url]);
    git(a, ['config', 'ctx.publish.snapshots', 'true']);
    return { bare, a, b };
  },
  async prepare({ a, b }, trial) {
    writeFileSync(join(a, 'README.md'), `# test\nwork in progress ${trial}\n`);
    const ids = await Promise.all([a, b].map((dir) => inProcess(dir, (c) => addEntry(c, { body: `trial ${trial} in ${dir === a ? 'a' : 'b'}` }))));
    return [`a:${ids[0]!.entry.id}`, `b:${ids[1]!.entry.id}`];
  },
  procs: ({ a, b }) => [
    { cwd: a, args: ['push', '--json'], label: 'a' },
    { cwd: a, args: ['push', '--json'], label: 'a', survivor: true },
    { cwd: b, args: ['pull', '--json'], label: 'b' },
    { cwd: b, args: ['push', '--json'], label: 'b', survivor: true },
  ],
  // A push that printed its result has landed its tip on the remote; a pull, in its clone.
  acknowledged(stdout, proc) {
    const r = json(stdout);
    if (!r?.localTip) return [];
    return r.action === 'push' ? [`${proc.label}:${r.localTip}`, `remote:${r.localTip}`] : [`${proc.label}:${r.localTip}`];
  },
  async verify({ bare, a, b }, acked) {
    const repos = { a, b, remote: bare } as Record<string, string>;
    for (const [name, repo] of Object.entries(repos)) {
      const state = await checkRepo(repo);
      const mine = acked.filter((x) => x.startsWith(`${name}:`)).map((x) => x.slice(name.length + 1));
      if (!state) {
        expect(mine, `${name} has no context branch`).toEqual([]);
        continue;
      }
      // Every acknowledged tip is in the history, every acknowledged entry in the tree.
      const commits = mine.filter((x) => x.length === 40);
      // A push lands on the pushing clone's own ref (refs/ctx/clones/); the branch follows when it can.
      const tips = name === 'remote' ? (await gitAsync(repo, ['for-each-ref', '--format=%(objectname)', 'refs/heads/context', 'refs/ctx/clones/'])).split('\n').filter(Boolean) : [state.tip];
      if (commits.length) expect(await gitAsync(repo, ['rev-list', ...new Set(commits), '--not', ...tips])).toBe('');
      for (const id of mine.filter((x) => x.length === 26)) if (!state.entries.has(id)) throw new Error(`acknowledged entry ${id} is not on ${name}'s branch`);
    }
    return {
      remoteRefLocks: locksUnder(join(bare, 'refs')),
      privateRefLocks: locksUnder(join(a, '.git', 'refs', 'ctx')) + locksUnder(join(b, '.git', 'refs', 'ctx')),
    };
  },
  next: ({ a, b }) => [
    { cwd: a, args: ['push', '--json'], label: 'a' },
    { cwd: b, args: ['pull', '--json'], label: 'b' },
    { cwd: b, args: ['push', '--json'], label: 'b' },
    { cwd: a, args: ['pull', '--json'], label: 'a' },
  ],
  // After a push and a pull each way, the three agree on one tree.
  async final({ bare, a, b }) {
    const trees = await Promise.all([a, b, bare].map((r) => gitAsync(r, ['rev-parse', 'context^{tree}'])));
    expect(new Set(trees).size).toBe(1);
  },
};

// ---------------------------------------------------------------------------------------------------
// pickup, inbox --mark-read, handoff

interface SessionWorld {
  repo: string;
  handoffs: Set<string>;
}

/**
 * One repository. Each trial: two handoffs and two messages for all, written in process; then three
 * pickups by three sessions (two killed), an inbox --mark-read killed beside one that survives, and a
 * handoff killed.
 */
const sessionScenario: CrashScenario<SessionWorld> = {
  name: 'pickup, inbox and handoff',
  setup: () => ({ repo: makeRepo(), handoffs: new Set() }),
  async prepare(world, trial) {
    return inProcess(world.repo, async (c) => {
      const acked: string[] = [];
      for (const kind of ['handoff', 'handoff', 'message', 'message']) {
        const { entry } = await addEntry(c, { kind, title: `${kind} of trial ${trial}`, body: `${kind} ${trial}`, session: 'writer' });
        if (kind === 'handoff') world.handoffs.add(entry.id);
        acked.push(`entry:${entry.id}`);
      }
      return acked;
    });
  },
  procs: ({ repo }, trial) => [
    { cwd: repo, args: ['pickup', '--json', '--session', `p${trial}a`] },
    { cwd: repo, args: ['pickup', '--json', '--session', `p${trial}b`] },
    { cwd: repo, args: ['pickup', '--json', '--session', `p${trial}c`], survivor: true },
    { cwd: repo, args: ['inbox', '--mark-read', '--json', '--session', 'r1'] },
    { cwd: repo, args: ['inbox', '--mark-read', '--json', '--session', 'r2'], survivor: true },
    { cwd: repo, args: ['handoff', '--json', '--session', 'writer', '-m', `handed over in trial ${trial}`, '--to', 'nobody'] },
  ],
  acknowledged(stdout, proc) {
    const r = json(stdout);
    if (!r) return [];
    if (proc.args[0] === 'pickup') return r.handoffs.map((h: any) => `picked:${r.session}:${h.id}`);
    if (proc.args[0] === 'inbox') return r.marked.map((id: string) => `read:${r.session}:${id}`);
    return [`entry:${r.id}`];
  },
  async verify({ repo }, acked): Promise<Record<string, number>> {
    const state = await checkRepo(repo);
    if (!state) return {};
    for (const x of acked.filter((a) => a.startsWith('entry:'))) if (!state.entries.has(x.slice(6))) throw new Error(`acknowledged entry ${x.slice(6)} is missing`);
    // Never consumed twice: one claim per handoff on the branch, one delivery per handoff in all the output.
    const claims = new Map<string, string[]>();
    for (const path of state.files.keys()) {
      if (!path.startsWith('state/consumed/')) continue;
      const id = baseName(path.slice(path.lastIndexOf('/') + 1));
      claims.set(id, [...(claims.get(id) ?? []), path]);
    }
    for (const [id, paths] of claims) expect(paths, `claims of ${id}`).toEqual([claimPath(id)]);
    const delivered = acked.filter((a) => a.startsWith('picked:')).map((a) => a.split(':'));
    expect(new Set(delivered.map((d) => d[2])).size, 'a handoff delivered twice').toBe(delivered.length);
    const claimBlobs = await catBlobs(repo, delivered.map(([, , id]) => state.files.get(claimPath(id!))!));
    delivered.forEach(([, session], i) => expect(JSON.parse(claimBlobs[i]!.toString('utf8')).session).toBe(session));
    for (const [, session, id] of acked.filter((a) => a.startsWith('read:')).map((a) => a.split(':'))) {
      if (!state.files.has(receiptPath(session!, id!))) throw new Error(`no receipt of ${id} for ${session}`);
    }
    return { claims: claims.size };
  },
  next: ({ repo }) => [
    { cwd: repo, args: ['pickup', '--json', '--session', 'last'] },
    { cwd: repo, args: ['inbox', '--mark-read', '--json', '--session', 'r1'] },
    { cwd: repo, args: ['handoff', '--json', '--session', 'writer', '-m', 'the last one', '--to', 'nobody'] },
  ],
  // The last pickup took whatever the killed ones left waiting: every handoff for all is consumed once.
  async final({ repo, handoffs }) {
    const state = (await checkRepo(repo))!;
    for (const id of handoffs) expect(state.files.has(claimPath(id)), `handoff ${id} consumed`).toBe(true);
  },
};

// ---------------------------------------------------------------------------------------------------
// gc

interface GcWorld {
  repo: string;
  settled: Set<string>;
}

const HOUR = 3_600_000;

/**
 * One repository. Each trial writes, two hours in the past, a handoff that a session picks up and a
 * message that its reader reads (both settled: gc removes them with their state files), and a note
 * and a handoff nobody picked up (gc keeps them). Then three gc --older-than 1h (two killed) and an
 * add that survives.
 */
const gcScenario: CrashScenario<GcWorld> = {
  name: 'gc',
  setup: () => ({ repo: makeRepo(), settled: new Set() }),
  async prepare(world, trial) {
    return inProcess(
      world.repo,
      async (c) => {
        const handoff = (await addEntry(c, { kind: 'handoff', title: `done ${trial}`, body: 'settled', to: 'taker' })).entry.id;
        await pickup(c, { session: 'taker' });
        const message = (await addEntry(c, { kind: 'message', title: `read ${trial}`, body: 'settled', to: 'reader' })).entry.id;
        await inbox(c, { session: 'reader', markRead: true });
        const note = (await addEntry(c, { title: `note ${trial}`, body: 'kept' })).entry.id;
        const waiting = (await addEntry(c, { kind: 'handoff', title: `waiting ${trial}`, body: 'kept', to: 'nobody' })).entry.id;
        world.settled.add(handoff).add(message);
        return [`keep:${note}`, `keep:${waiting}`];
      },
      -2 * HOUR,
    );
  },
  procs: ({ repo }, trial) => [
    { cwd: repo, args: ['gc', '--older-than', '1h', '--json'] },
    { cwd: repo, args: ['gc', '--older-than', '1h', '--json'] },
    { cwd: repo, args: ['gc', '--older-than', '1h', '--json'], survivor: true },
    { cwd: repo, args: ['add', '-m', `written during gc ${trial}`], survivor: true },
  ],
  acknowledged(stdout, proc) {
    if (proc.args[0] === 'add') return stdout.split('\n').filter((l) => /^[0-9a-z]{26}$/.test(l)).map((id) => `keep:${id}`);
    return (json(stdout)?.removed ?? []).map((r: any) => `removed:${r.id}`);
  },
  async verify({ repo }, acked) {
    const state = await checkRepo(repo);
    if (!state) return {};
    for (const x of acked) {
      const [what, id] = x.split(':') as [string, string];
      if (what === 'keep' && !state.entries.has(id)) throw new Error(`kept entry ${id} is missing`);
      if (what === 'removed' && state.entries.has(id)) throw new Error(`removed entry ${id} is back`);
    }
    // gc removes an entry and its state files in one commit: never one without the other.
    for (const path of state.files.keys()) {
      if (!path.startsWith('state/consumed/') && !path.startsWith('state/read/')) continue;
      const id = baseName(path.slice(path.lastIndexOf('/') + 1));
      if (!state.entries.has(id)) throw new Error(`${path} outlived its entry`);
    }
    return {};
  },
  next: ({ repo }) => ({ cwd: repo, args: ['gc', '--older-than', '1h', '--json'] }),
  async final({ repo, settled }) {
    const state = (await checkRepo(repo))!;
    for (const id of settled) expect(state.entries.has(id), `settled ${id} removed`).toBe(false);
  },
};

describe('crash safety of the other writing commands', () => {
  // GIT_CTX_CRASH_TRIALS=20 for a longer hunt (GIT_CTX_CRASH_SEED replays one).
  const scale = Number(process.env.GIT_CTX_CRASH_TRIALS ?? 0);
  const run = async (scenario: CrashScenario<any>, defaultTrials: number) => {
    const trials = scale || defaultTrials;
    const report = await runCrashTrials(scenario, { lanes: 2, trials });
    console.log(`crash trials (${scenario.name}): ${JSON.stringify(report)}`);
    expect(report.trials).toBe(2 * trials);
    // 2 victims a trial in each of 2 lanes (4 for the sessions): about half are cut short.
    expect(report.killed).toBeGreaterThanOrEqual(trials);
    // Promptly: no command after a crash waited out more than a stale ref lock (5 s) on a busy machine.
    expect(report.nextMaxMs).toBeLessThan(20_000);
    return report;
  };

  it('push and pull killed at random instants: remote and clones sound, nothing acknowledged lost, next sync works', async () => {
    const r = await run(syncScenario, 4);
    expect(r.facts.remoteRefLocks).toBe(0);
  }, 180_000);

  it('pickup, inbox --mark-read and handoff killed at random instants: no handoff consumed twice, receipts and entries whole', async () => {
    await run(sessionScenario, 4);
  }, 180_000);

  it('gc killed at random instants: kept entries stay, removed ones go with their state files', async () => {
    await run(gcScenario, 4);
  }, 180_000);
});

describe('the private refs of sync, locked or raced', () => {
  it('pulls and pushes racing in one clone all succeed; a lock a killed fetch left is waited out or removed', async () => {
    const bare = makeRemote();
    const [a, b] = [cloneOf(bare), cloneOf(bare)];
    await inProcess(b, (c) => addEntry(c, { body: 'from b' }));
    expect((await ctx(b, ['push'])).code).toBe(0);
    // Five at once in one clone: their fetches race for refs/ctx/remotes/origin/context.
    const runs = await Promise.all([...Array(5)].map((_, i) => ctx(a, [i % 2 ? 'pull' : 'push', '--json'])));
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(contextTip(a)).toBe(contextTip(bare));

    // A lock left by a fetch killed long ago: removed at once.
    const lock = join(a, '.git', 'refs', 'ctx', 'remotes', 'origin', 'context.lock');
    mkdirSync(join(lock, '..'), { recursive: true });
    writeFileSync(lock, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    await inProcess(b, (c) => addEntry(c, { body: 'again from b' }));
    expect((await ctx(b, ['push'])).code).toBe(0);
    const pulled = await ctx(a, ['pull', '--json']);
    expect(pulled.code, pulled.stderr).toBe(0);
    expect(pulled.json.received).toBe(1);
    expect(existsSync(lock)).toBe(false);

    // A lock held by a live fetch (here: released after 500 ms): waited for, not removed.
    await inProcess(b, (c) => addEntry(c, { body: 'once more from b' }));
    expect((await ctx(b, ['push'])).code).toBe(0);
    writeFileSync(lock, '');
    let released = 0;
    const release = new Promise<void>((r) => setTimeout(() => r(unlinkSync(lock)), 500)).then(() => (released = Date.now()));
    const waited = await ctx(a, ['pull', '--json']);
    const doneAt = Date.now();
    await release;
    expect(waited.code, waited.stderr).toBe(0);
    expect(waited.json.received).toBe(1);
    expect(doneAt).toBeGreaterThanOrEqual(released);
  }, 60_000);
});
