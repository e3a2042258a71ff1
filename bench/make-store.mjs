/**
 * Builds a context store of N real-format entries spread over a year, fast: the entry files, commit
 * messages and state files come from git-ctx's own model code (bundled on the fly with esbuild), and the
 * history is written with one `git fast-import` (one commit per entry or state change, as `add`,
 * `pickup` and `inbox --mark-read` would make). Usage from other bench scripts:
 *
 *     const { repo, summary } = await makeStore({ entries: 100_000 });
 */
import { buildSync } from 'esbuild';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = join(root, 'dist/bin.cjs');

export function benchEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  const home = mkdtempSync(join(tmpdir(), 'git-ctx-bench-home-'));
  return { ...env, HOME: home, XDG_CONFIG_HOME: join(home, '.config'), GIT_CONFIG_NOSYSTEM: '1', ...extra };
}

function loadModel() {
  const dir = mkdtempSync(join(tmpdir(), 'git-ctx-bench-model-'));
  const out = join(dir, 'model.cjs');
  buildSync({
    stdin: {
      contents: `export { serializeEntry, entryPath } from './src/model/entry.ts';
export { newId } from './src/model/id.ts';
export { claimPath, receiptPath, serializeClaim, serializeReceipt } from './src/model/state.ts';
export { commitMessage } from './src/core/add.ts';`,
      resolveDir: root,
      loader: 'ts',
    },
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    logLevel: 'warning',
  });
  return createRequire(import.meta.url)(out);
}

/** A small deterministic generator, so that every run builds the same store. */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = 'parser cache index merge branch worktree session handoff retry timeout flaky test build deploy schema migration lock token budget brief config hook remote push pull conflict hunk symbol regex encoder decoder queue worker'.split(' ');

export async function makeStore({ entries = 100_000, days = 365, seed = 1, now = Date.now(), session = 'bench:main', agent = 'claude' } = {}) {
  const m = loadModel();
  const rand = rng(seed);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const words = (n) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
  const dir = mkdtempSync(join(tmpdir(), 'git-ctx-bench-'));
  const repo = join(dir, 'repo');
  const env = benchEnv({ GIT_CTX_SESSION: session, GIT_CTX_AGENT: agent });
  const git = (args, opts = {}) => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
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
  git(['checkout', '-q', '-b', 'feature']);
  writeFileSync(join(repo, files[0]), `// ${files[0]}\nexport const x = 2;\n`);
  git(['commit', '-q', '-am', 'work on the feature']);
  execFileSync(process.execPath, [BIN, 'init'], { cwd: repo, env });
  const rootCommit = git(['rev-parse', 'context']).trim();

  const sessions = Array.from({ length: 40 }, (_, i) => ({ session: `wt-${i}:feature-${i}`, agent: `agent-${i % 8}` }));
  const kinds = [['note', 0.78], ['context', 0.08], ['decision', 0.06], ['postmortem', 0.02], ['handoff', 0.03], ['message', 0.03]];
  const kindOf = () => {
    let r = rand();
    for (const [k, p] of kinds) if ((r -= p) < 0) return k;
    return 'note';
  };
  const start = now - days * 86_400_000;
  const times = Array.from({ length: entries }, () => Math.floor(start + rand() * (days * 86_400_000 - 3_600_000))).sort((a, b) => a - b);
  const events = [];
  const decisions = [];
  const summary = { note: 0, context: 0, decision: 0, postmortem: 0, handoff: 0, message: 0, claims: 0, receipts: 0, commits: 0 };
  for (const t of times) {
    const who = pick(sessions);
    const kind = kindOf();
    const id = m.newId(t, Uint8Array.from({ length: 10 }, () => Math.floor(rand() * 256)));
    const to = kind === 'handoff' || kind === 'message' ? (rand() < 0.6 ? 'all' : rand() < 0.5 ? pick(sessions).agent : pick(sessions).session) : null;
    const supersedes = kind === 'decision' && decisions.length && rand() < 0.1 ? [pick(decisions)] : [];
    if (kind === 'decision') decisions.push(id);
    const title = `${words(3)} ${kind}`;
    const body = kind === 'handoff'
      ? `## Summary\n${words(12)}\n\n## What changed\n- ${words(8)}\n\n## What still needs work\n- ${words(8)}\n\n## Key decisions\n- ${words(6)}\n\n## Active context\n- branch: feature\n`
      : `${words(20)}.\n\n${words(30)}.\n`;
    const entry = {
      id, kind, title, body, topic: rand() < 0.3 ? pick(WORDS) : null, tags: rand() < 0.4 ? [pick(WORDS)] : [],
      refs: rand() < 0.5 ? [pick(files)] : [], to, supersedes, agent: who.agent, session: who.session,
      worktree: `/work/${who.session.split(':')[0]}`, branch: who.session.split(':')[1], head: 'a'.repeat(40),
      author: { name: 'Bench User', email: 'bench@example.com' }, createdAt: new Date(t).toISOString(), extra: {},
    };
    summary[kind]++;
    events.push({ t, path: m.entryPath(id), content: m.serializeEntry(entry), message: m.commitMessage(entry) });
    const age = now - t;
    if (kind === 'handoff' && age > 2 * 86_400_000) {
      const c = pick(sessions);
      const ct = t + Math.floor(3_600_000 + rand() * 20 * 3_600_000);
      summary.claims++;
      events.push({ t: ct, path: m.claimPath(id), content: m.serializeClaim({ handoff: id, session: c.session, agent: c.agent, claimedAt: new Date(ct).toISOString() }), message: `pickup: 1 handoff\n\nCtx-Session: ${c.session}\n` });
    }
    if (kind === 'message' && age > 2 * 86_400_000) {
      for (let i = 0; i < 1 + Math.floor(rand() * 2); i++) {
        const r = pick(sessions);
        const rt = t + Math.floor(600_000 + rand() * 10 * 3_600_000);
        summary.receipts++;
        events.push({ t: rt, path: m.receiptPath(r.session, id), content: m.serializeReceipt({ message: id, reader: r.session, agent: r.agent, readAt: new Date(rt).toISOString() }), message: `inbox: read 1 message\n\nCtx-Session: ${r.session}\n` });
      }
    }
  }
  events.sort((a, b) => a.t - b.t);
  summary.commits = events.length;

  const child = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: repo, env, stdio: ['pipe', 'inherit', 'inherit'] });
  const done = new Promise((res, rej) => child.on('close', (c) => (c === 0 ? res() : rej(new Error(`fast-import exited ${c}`)))));
  let buf = [];
  let size = 0;
  const write = async (s) => {
    buf.push(s);
    size += s.length;
    if (size > 1 << 20) {
      const chunk = Buffer.from(buf.join(''));
      buf = [];
      size = 0;
      if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once('drain', r));
    }
  };
  const data = (s) => `data ${Buffer.byteLength(s)}\n${s}\n`;
  let first = true;
  for (const e of events) {
    const secs = Math.floor(e.t / 1000);
    await write(`commit refs/heads/context\ncommitter Bench User <bench@example.com> ${secs} +0000\n${data(e.message)}${first ? `from ${rootCommit}\n` : ''}M 100644 inline ${e.path}\n${data(e.content)}`);
    first = false;
  }
  await write('done\n');
  child.stdin.end(Buffer.from(buf.join('')));
  await done;
  return { repo, env, summary };
}
