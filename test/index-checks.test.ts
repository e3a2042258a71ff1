/**
 * A cache that proves itself: every file of the derived index under .git/ctx/cache is damaged in turn,
 * in every way a disk, a crash or a person damages files (cut short, a byte changed, garbage added, cut
 * short and then written to again, deleted, an older head.json put back, a head.json naming files that
 * are gone), and what log, search, brief, show (by a short prefix) and pickup answer must be what
 * they answer with the cache deleted. The files are found by listing the cache, not by name,
 * so the same test runs against any layout of it.
 */
import { describe, expect, it } from 'vitest';
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { cleanEnv, makeRepo, tempDir } from './helpers/repo.js';
import { cliOk } from './helpers/cli.js';
import { realDeps } from './helpers/real-deps.js';
import { closeCtx, openCtx } from '../src/core/context.js';
import { logEntries } from '../src/core/entries/log.js';
import { searchEntries } from '../src/core/entries/search.js';
import { brief } from '../src/core/brief/brief.js';
import { showEntry } from '../src/core/entries/show.js';
import { pickup } from '../src/core/mailbox/pickup.js';
import { crc32, crc32Here } from '../src/store/index-cache.js';
import { randomBytes } from 'node:crypto';
import zlib from 'node:zlib';

const ENV = cleanEnv({ GIT_CTX_SESSION: 'reader:main', GIT_CTX_AGENT: 'claude' });
const NOW = Date.now();

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(join(dir, f)).isFile() && !f.endsWith('.lock')).sort();
}

/** What a file is, whatever its serial or generation number. */
const kindOf = (file: string) => file.replace(/^.*\//, '').replace(/\.\d+(?=\.)/g, '');

interface Answers {
  answers: Record<string, unknown>;
  stderr: string;
}

/**
 * The answers of the reading commands, each starting from the cache as `before` leaves it (so that
 * the first command to notice damage cannot repair it for the next).
 */
async function answers(repo: string, before?: () => void): Promise<Answers> {
  let stderr = '';
  const out: Record<string, unknown> = {};
  const c = await openCtx(realDeps(repo, ENV, { now: () => NOW, stderr: (s) => void (stderr += s) }));
  const ask = async (name: string, q: () => Promise<unknown>) => {
    before?.();
    try {
      out[name] = await q();
    } catch (e) {
      out[name] = { error: (e as { code?: string }).code ?? String(e) };
    }
  };
  try {
    await ask('log -n 0', () => logEntries(c, { limit: 0 }));
    await ask('log -k decision', () => logEntries(c, { kind: 'decision' }));
    await ask('log --agent, listed', () => logEntries(c, { agent: 'codex', limit: 0, bodies: false }));
    await ask('search', () => searchEntries(c, { query: 'walrus', limit: 50 }));
    await ask('brief', () => brief(c, { budget: 6000 }));
    await ask('show prefix', async () => (await showEntry(c, { id: readFileSync(join(repo, '.prefix'), 'utf8') })).entry);
    await ask('pickup --peek', () => pickup(c, { peek: true }));
  } finally {
    closeCtx(c);
  }
  return { answers: JSON.parse(JSON.stringify(out)) as Record<string, unknown>, stderr };
}

describe('the derived index proves itself', () => {
  it('checks with the CRC-32 zlib computes, computed here too where Node has none (before 20.15)', () => {
    for (const size of [0, 1, 7, 1000, 70_000]) {
      const data = randomBytes(size);
      const cut = Math.floor(size / 3);
      expect(crc32Here(data)).toBe(zlib.crc32(data));
      // Continued over an append, as appenders extend a file's CRC.
      expect(crc32Here(data.subarray(cut), crc32Here(data.subarray(0, cut)))).toBe(zlib.crc32(data));
      expect(crc32(data.subarray(cut), crc32(data.subarray(0, cut)))).toBe(zlib.crc32(data));
    }
  });

  it('answers every command as if it had no cache, whichever file is damaged and however', async () => {
    const repo = makeRepo();
    const add = (args: string[]) => cliOk(repo, ['add', ...args], { env: ENV });
    await add(['-k', 'decision', '-t', 'Use CAS', '-m', 'compare and swap', '--topic', 'storage', '--tag', 'storage']);
    for (let i = 0; i < 4; i++) await add(['-m', `walrus ${i}: ${'the walrus said '.repeat(20)}`, '--tag', i % 2 ? 'storage' : 'net', '--agent', i % 2 ? 'codex' : 'claude']);
    await cliOk(repo, ['handoff', '-m', 'walrus handoff: finish the parser', '--to', 'all'], { env: ENV });
    await cliOk(repo, ['send', '--to', 'all', 'ping about the walrus'], { env: { ...ENV, GIT_CTX_SESSION: 'other:main' } });
    await add(['-k', 'postmortem', '-m', 'the cache lied', '--ref', 'README.md']);
    await add(['-k', 'context', '-m', 'where things stand', '--agent', 'codex']);
    const d1 = (await add(['-k', 'decision', '-t', 'Use tabs', '-m', 'tabs'])).stdout.trim();
    await add(['-k', 'decision', '-t', 'Use spaces', '-m', 'spaces', '--supersedes', d1.slice(0, 12)]);
    for (let i = 0; i < 6; i++) await add(['-m', `note ${i}`]);
    writeFileSync(join(repo, '.prefix'), d1.slice(0, 7));
    // The index of the branch (the conflict scans' cache beside it is another's, and not checked here).
    const cache = join(repo, '.git/ctx/cache/context');
    // A head.json of an earlier tip, to put back later; then the index moves on.
    await cliOk(repo, ['log', '-k', 'decision'], { env: ENV });
    const olderHeads = new Map(filesUnder(cache).filter((f) => kindOf(f).startsWith('head')).map((f) => [f, readFileSync(join(cache, f))]));
    for (let i = 0; i < 3; i++) await add(['-k', i === 1 ? 'decision' : 'note', '-m', `walrus later ${i}`]);
    await answers(repo); // the index at the tip, every file of it written
    const files = filesUnder(cache);
    expect(files.length).toBeGreaterThan(3);
    const healthy = tempDir('git-ctx-cache-');
    cpSync(cache, healthy, { recursive: true });

    const corruptions: Record<string, (path: string) => Promise<void> | void> = {
      'cut short': (p) => truncateSync(p, Math.floor(statSync(p).size / 2)),
      'a byte changed': (p) => {
        const buf = readFileSync(p);
        // A letter in the middle, changed to another: the file still parses, and says something else.
        let at = Math.floor(buf.length / 2);
        while (at < buf.length && !(buf[at]! >= 0x61 && buf[at]! <= 0x79)) at++;
        if (at === buf.length) at = Math.floor(buf.length / 2);
        buf[at] = buf[at]! + 1;
        writeFileSync(p, buf);
      },
      'garbage appended': (p) => appendFileSync(p, '{"p":"entries/x","d":1}\n\u0000\u0001garbage\tline\n'),
      'cut short, then one more write': async (p) => {
        truncateSync(p, Math.floor(statSync(p).size / 2));
        await add(['-m', 'walrus written after the damage']);
      },
      deleted: (p) => rmSync(p),
      'an older head.json put back': (p) => {
        const older = olderHeads.get(relative(cache, p));
        if (older) writeFileSync(p, older);
      },
      'head.json naming files that are gone': (p) => {
        for (const f of filesUnder(cache)) if (join(cache, f) !== p && !kindOf(f).startsWith('head')) rmSync(join(cache, f));
      },
    };

    const matrix: string[] = [];
    const wrong: string[] = [];
    const unreported: string[] = [];
    const reference = new Map<string, Answers>();
    for (const file of files) {
      for (const [how, corrupt] of Object.entries(corruptions)) {
        if ((how === 'an older head.json put back' || how === 'head.json naming files that are gone') && !kindOf(file).startsWith('head')) continue;
        rmSync(cache, { recursive: true, force: true });
        cpSync(healthy, cache, { recursive: true });
        await corrupt(join(cache, file));
        const damaged = tempDir('git-ctx-damaged-');
        cpSync(cache, damaged, { recursive: true });
        // Each command starts from the damaged cache (the first one to notice must not repair it for the next).
        const got = await answers(repo, () => {
          rmSync(cache, { recursive: true, force: true });
          cpSync(damaged, cache, { recursive: true });
        });
        const branch = readFileSync(join(repo, '.git/refs/heads/context'), 'utf8');
        let want = reference.get(branch);
        if (!want) {
          // The reference: the same commands with no cache (the first builds it anew from the branch).
          rmSync(cache, { recursive: true, force: true });
          reference.set(branch, (want = await answers(repo)));
        }
        const bad = Object.keys(want.answers).filter((k) => JSON.stringify(got.answers[k]) !== JSON.stringify(want.answers[k]));
        const rebuilt = /failed its check|indexing entries/.test(got.stderr);
        matrix.push(`| ${kindOf(file)} | ${how} | ${bad.length ? `WRONG: ${bad.join(', ')}` : rebuilt ? 'detected, rebuilt' : 'not read as damaged: answers right'} |`);
        if (bad.length) wrong.push(`${file} ${how}: ${bad.join(', ')}`);
        // Damage to what a command reads is reported as it is repaired (every file here is read by one).
        const harmless = how === 'garbage appended' || how === 'an older head.json put back' || (how === 'deleted' && kindOf(file) === 'head.json');
        if (!harmless && !/failed its check/.test(got.stderr)) unreported.push(`${file} ${how}`);
      }
    }
    console.log(['| file | damage | outcome |', '|---|---|---|', ...matrix].join('\n'));
    expect(wrong).toEqual([]);
    expect(unreported).toEqual([]);
  }, 300_000);
});
