/**
 * Build a large context branch quickly for benchmarks: real entry files (the format git-ctx writes),
 * one commit each with the real trailers, spread evenly over a time span, streamed into one
 * `git fast-import`. 100k entries take ~20 s.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { newId } from '../../src/model/id.js';
import { entryPath, serializeEntry, type EntryData } from '../../src/model/entry.js';
import { commitMessage } from '../../src/core/entries/add.js';
import type { Kind } from '../../src/model/kinds.js';

const WORDS = 'alpha beta gamma delta parser store merge conflict worktree handoff session agent regression timeout cache index branch refactor test failure flaky database migration schema api endpoint token budget brief decision postmortem'.split(' ');
const KINDS: Kind[] = ['note', 'note', 'note', 'note', 'note', 'context', 'decision', 'postmortem', 'note', 'note'];

export interface SeedOptions {
  /** Entries to write. */
  count: number;
  /** Time of the first entry (ms); the last is at `end`. */
  start?: number;
  end?: number;
  branch?: string;
  /** Kinds to cycle through (default: mostly notes, some context, decisions and postmortems). */
  kinds?: Kind[];
}

export function seedEntry(i: number, t: number, kind: Kind): EntryData {
  let body = '';
  for (let j = 0; j < 60; j++) body += WORDS[(i * 7 + j * 13) % WORDS.length] + (j % 12 === 11 ? '\n' : ' ');
  return {
    id: newId(t, randomBytes(10)),
    kind,
    title: `Entry ${i} about ${WORDS[i % WORDS.length]}`,
    body,
    topic: WORDS[i % 7] ?? null,
    tags: [WORDS[i % 11]!],
    refs: [`src/${WORDS[i % 13]}.ts`],
    to: null,
    supersedes: [],
    agent: `agent${i % 8}`,
    session: `wt${i % 16}:feature-${i % 16}`,
    worktree: `/work/wt${i % 16}`,
    branch: `feature-${i % 16}`,
    head: null,
    author: { name: 'Bench', email: 'bench@example.com' },
    createdAt: new Date(t).toISOString(),
    extra: {},
  };
}

/** Append `count` entries to the branch in `repo` (creating it from the tip it has, if any). */
export async function seed(repo: string, opts: SeedOptions): Promise<void> {
  const branch = `refs/heads/${opts.branch ?? 'context'}`;
  const end = opts.end ?? Date.now() - 60_000;
  const start = opts.start ?? end - 365 * 86_400_000;
  const kinds = opts.kinds ?? KINDS;
  const child = spawn('git', ['fast-import', '--quiet', '--done'], { cwd: repo, stdio: ['pipe', 'inherit', 'inherit'] });
  const done = new Promise<void>((resolve, reject) => child.on('close', (c) => (c === 0 ? resolve() : reject(new Error(`fast-import exited ${c}`)))));
  const write = (s: string) => (child.stdin.write(s) ? Promise.resolve() : new Promise<void>((r) => child.stdin.once('drain', () => r())));
  const from = await new Promise<string>((resolve) => {
    const p = spawn('git', ['rev-parse', '-q', '--verify', branch], { cwd: repo });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('close', () => resolve(out.trim()));
  });
  if (!from) throw new Error(`${branch} does not exist: run \`git ctx init\` first, so that the seeded history starts at the real root`);
  const step = opts.count > 1 ? (end - start) / (opts.count - 1) : 0;
  for (let i = 0; i < opts.count; i++) {
    const t = Math.round(start + i * step);
    const e = seedEntry(i, t, kinds[i % kinds.length]!);
    const content = serializeEntry(e);
    const msg = commitMessage(e);
    const secs = Math.floor(t / 1000);
    let s = `commit ${branch}\nauthor Bench <bench@example.com> ${secs} +0000\ncommitter Bench <bench@example.com> ${secs} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}\n`;
    if (i === 0) s += `from ${from}\n`;
    s += `M 100644 inline ${entryPath(e.id)}\ndata ${Buffer.byteLength(content)}\n${content}\n`;
    await write(s);
  }
  child.stdin.end('done\n');
  await done;
}
