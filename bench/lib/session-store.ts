/**
 * A store shaped like a year of parallel sessions, for bench/brief.mjs: N real entry files (notes,
 * context, decisions with some superseding others, postmortems with refs, handoffs and messages
 * addressed to all, to agents and to sessions), plus the claims and read receipts that pickup and
 * inbox would have written for everything older than two days. One commit per entry or state change,
 * with the real trailers, streamed into one `git fast-import`; deterministic for a given seed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { newId } from '../../src/model/id.js';
import { entryPath, serializeEntry, type EntryData } from '../../src/model/entry.js';
import { claimPath, receiptPath, serializeClaim, serializeReceipt } from '../../src/model/state.js';
import { commitMessage } from '../../src/core/entries/add.js';
import type { Kind } from '../../src/model/kinds.js';
import { rng } from '../../test/helpers/secret-samples.js';

export interface SessionStoreOptions {
  entries: number;
  days?: number;
  seed?: number;
  now?: number;
  /** The session and agent the benchmark runs as. */
  session?: string;
  agent?: string;
  /** The CLI bundle, to create the branch at its real root. */
  bin: string;
}

const WORDS = 'parser cache index merge branch worktree session handoff retry timeout flaky test build deploy schema migration lock token budget brief config hook remote push pull conflict hunk symbol regex encoder decoder queue worker'.split(' ');
const SHARES: [Kind, number][] = [['note', 0.78], ['context', 0.08], ['decision', 0.06], ['postmortem', 0.02], ['handoff', 0.03], ['message', 0.03]];
const DAY = 86_400_000;

export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('GIT_')) env[k] = v;
  const home = mkdtempSync(join(tmpdir(), 'git-ctx-bench-home-'));
  process.once('exit', () => rmSync(home, { recursive: true, force: true }));
  return { ...env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), GIT_CONFIG_NOSYSTEM: '1', ...extra };
}

export async function makeSessionStore(opts: SessionStoreOptions): Promise<{ repo: string; env: Record<string, string>; summary: Record<string, number> }> {
  const { entries, days = 365, now = Date.now() } = opts;
  const rand = rng(opts.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const repo = join(mkdtempSync(join(tmpdir(), 'git-ctx-bench-')), 'repo');
  const env = cleanEnv({ GIT_CTX_SESSION: opts.session ?? 'bench:feature', GIT_CTX_AGENT: opts.agent ?? 'claude' });
  const git = (args: string[]) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8' });
  mkdirSync(repo);
  git(['init', '-q', '-b', 'main', '.']);
  git(['config', 'user.name', 'Bench User']);
  git(['config', 'user.email', 'bench@example.com']);
  const files = Array.from({ length: 400 }, (_, i) => `src/${pick(['core', 'store', 'cli', 'git', 'model'])}/${pick(WORDS)}-${i}.ts`);
  for (const f of files.slice(0, 40)) {
    mkdirSync(join(repo, dirname(f)), { recursive: true });
    writeFileSync(join(repo, f), `// ${f}\nexport const x = 1;\n`);
  }
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'initial']);
  // The session benchmarked works on a branch that changes a file some postmortems are about.
  git(['checkout', '-q', '-b', 'feature']);
  writeFileSync(join(repo, files[0]!), `// ${files[0]}\nexport const x = 2;\n`);
  git(['commit', '-q', '-am', 'work on the feature']);
  execFileSync(process.execPath, [opts.bin, 'init'], { cwd: repo, env });
  const root = git(['rev-parse', 'context']).trim();

  const sessions = Array.from({ length: 40 }, (_, i) => ({ session: `wt-${i}:feature-${i}`, agent: `agent-${i % 8}` }));
  const kindOf = (): Kind => {
    let r = rand();
    for (const [k, p] of SHARES) if ((r -= p) < 0) return k;
    return 'note';
  };
  const start = now - days * DAY;
  const times = Array.from({ length: entries }, () => Math.floor(start + rand() * (days * DAY - 3_600_000))).sort((a, b) => a - b);
  const events: { t: number; path: string; content: string; message: string }[] = [];
  const decisions: string[] = [];
  const summary: Record<string, number> = { note: 0, context: 0, decision: 0, postmortem: 0, handoff: 0, message: 0, claims: 0, receipts: 0, commits: 0 };
  for (const t of times) {
    const who = pick(sessions);
    const kind = kindOf();
    const id = newId(t, Uint8Array.from({ length: 10 }, () => Math.floor(rand() * 256)));
    const addressed = kind === 'handoff' || kind === 'message';
    const to = addressed ? (rand() < 0.6 ? 'all' : rand() < 0.5 ? pick(sessions).agent : pick(sessions).session) : null;
    const supersedes = kind === 'decision' && decisions.length && rand() < 0.1 ? [pick(decisions)] : [];
    if (kind === 'decision') decisions.push(id);
    const body =
      kind === 'handoff'
        ? `## Summary\n\n${words(12)}\n\n## What changed\n\n- ${words(8)}\n\n## What still needs work\n\n- ${words(8)}\n\n## Key decisions\n\n- ${words(6)}\n\n## Active context\n\n- branch: feature\n`
        : `${words(20)}.\n\n${words(30)}.\n`;
    const entry: EntryData = {
      id, kind, title: `${words(3)} ${kind}`, body, topic: rand() < 0.3 ? pick(WORDS) : null, tags: rand() < 0.4 ? [pick(WORDS)] : [],
      refs: rand() < 0.5 ? [pick(files)] : [], to, supersedes, agent: who.agent, session: who.session,
      worktree: `/work/${who.session.split(':')[0]}`, branch: who.session.split(':')[1]!, head: 'a'.repeat(40),
      author: { name: 'Bench User', email: 'bench@example.com' }, createdAt: new Date(t).toISOString(), extra: {},
    };
    summary[kind]!++;
    events.push({ t, path: entryPath(id), content: serializeEntry(entry), message: commitMessage(entry) });
    if (now - t < 2 * DAY) continue; // the last two days are still waiting and unread
    if (kind === 'handoff') {
      const c = pick(sessions);
      const ct = t + Math.floor(3_600_000 + rand() * 20 * 3_600_000);
      summary.claims!++;
      events.push({ t: ct, path: claimPath(id), content: serializeClaim({ handoff: id, session: c.session, agent: c.agent, claimedAt: new Date(ct).toISOString() }), message: `pickup: 1 handoff\n\nCtx-Handoff: ${id}\nCtx-Agent: ${c.agent}\nCtx-Session: ${c.session}\n` });
    }
    if (kind === 'message') {
      for (let i = 0; i < 1 + Math.floor(rand() * 2); i++) {
        const r = pick(sessions);
        const rt = t + Math.floor(600_000 + rand() * 10 * 3_600_000);
        summary.receipts!++;
        events.push({ t: rt, path: receiptPath(r.session, id), content: serializeReceipt({ message: id, reader: r.session, agent: r.agent, readAt: new Date(rt).toISOString() }), message: `inbox: read 1 message\n\nCtx-Agent: ${r.agent}\nCtx-Session: ${r.session}\n` });
      }
    }
  }
  events.sort((a, b) => a.t - b.t);
  summary.commits = events.length;

  const child = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: repo, env, stdio: ['pipe', 'inherit', 'inherit'] });
  const done = new Promise<void>((resolve, reject) => child.on('close', (c) => (c === 0 ? resolve() : reject(new Error(`fast-import exited ${c}`)))));
  let chunk = '';
  const flush = async (force = false) => {
    if (!force && chunk.length < 1 << 20) return;
    const ok = child.stdin.write(chunk);
    chunk = '';
    if (!ok) await new Promise<void>((r) => child.stdin.once('drain', () => r()));
  };
  const data = (s: string) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  let first = true;
  for (const e of events) {
    const secs = Math.floor(e.t / 1000);
    chunk += `commit refs/heads/context\ncommitter Bench User <bench@example.com> ${secs} +0000\n${data(e.message)}${first ? `from ${root}\n` : ''}M 100644 inline ${e.path}\n${data(e.content)}`;
    first = false;
    await flush();
  }
  chunk += 'done\n';
  await flush(true);
  child.stdin.end();
  await done;
  return { repo, env, summary };
}
