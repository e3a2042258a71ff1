import { describe, expect, it } from 'vitest';
import * as isogit from 'isomorphic-git';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { ObjectWriter, formatTree, hashObject, parseTree, sortTreeItems } from '../src/git/objects.js';
import { fsck, git, makeRepo } from './helpers/repo.js';

describe('the in-process object writer', () => {
  it('keeps writing while loose objects and their emptied fan-out directory are removed at every instant (as git gc and prune-packed do)', async () => {
    const repo = makeRepo();
    const objects = join(repo, '.git/objects');
    // Blobs that all land in objects/ab/, so that every write races the removal of that directory.
    const contents: string[] = [];
    for (let i = 0; contents.length < 8; i++) if (hashObject('sha1', 'blob', Buffer.from(`gc race ${i}\n`)).startsWith('ab')) contents.push(`gc race ${i}\n`);
    const dir = join(objects, 'ab');
    const files = contents.map((c) => join(dir, hashObject('sha1', 'blob', Buffer.from(c)).slice(2)));
    // What prune-packed does, as fast as it can: remove the loose objects (never git's temporary
    // files), then the emptied directory; and a directory made and removed again meanwhile, so that a
    // writer's mkdir finds it there and then gone (node's recursive mkdir fails with ENOENT then).
    const pruner = spawn(process.execPath, ['-e', `const fs = require('fs'); const files = ${JSON.stringify(files)}; for (;;) { for (const f of files) try { fs.unlinkSync(f); } catch {} try { fs.mkdirSync(${JSON.stringify(dir)}); } catch {} try { fs.rmdirSync(${JSON.stringify(dir)}); } catch {} }`], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 200));
      const w = new ObjectWriter(objects, 'sha1');
      const failures: string[] = [];
      const end = Date.now() + 3000;
      for (let i = 0; Date.now() < end; i++) {
        try {
          w.blob(contents[i % contents.length]!);
        } catch (e) {
          failures.push((e as Error).message);
        }
      }
      expect(failures).toEqual([]);
    } finally {
      pruner.kill();
    }
  }, 30_000);

  it('writes blobs, trees and commits that git reads back byte for byte and fsck --strict accepts', () => {
    const repo = makeRepo();
    const w = new ObjectWriter(join(repo, '.git/objects'), 'sha1');
    const blob = w.blob('hello\n');
    expect(blob).toBe(git(repo, ['hash-object', '--stdin'], { input: 'hello\n' }));
    const sub = w.tree([{ mode: '100644', name: 'x.md', oid: blob }]);
    // Names chosen so that git's "trees sort as name/" rule matters: "a" (tree) sorts after "a.b".
    const root = w.tree([
      { mode: '40000', name: 'a', oid: sub },
      { mode: '100644', name: 'a.b', oid: blob },
      { mode: '100644', name: 'a-c', oid: blob },
    ]);
    expect(git(repo, ['ls-tree', root]).split('\n').map((l) => l.split('\t')[1])).toEqual(['a-c', 'a.b', 'a']);
    const commit = w.commit({
      tree: root,
      parents: [git(repo, ['rev-parse', 'HEAD'])],
      author: { name: 'A <bad> name', email: 'a@example.com', time: 1700000000 },
      committer: { name: 'C', email: 'c@example.com', time: 1700000001 },
      message: 'subject\n\nCtx-Id: x\n',
    });
    expect(git(repo, ['cat-file', '-t', commit])).toBe('commit');
    expect(git(repo, ['log', '-1', '--format=%an|%ae|%at|%s', commit])).toBe('A bad name|a@example.com|1700000000|subject');
    git(repo, ['update-ref', 'refs/heads/check', commit]);
    fsck(repo);
  });

  it('agrees with an independent implementation (isomorphic-git) on what it wrote', async () => {
    const repo = makeRepo();
    const w = new ObjectWriter(join(repo, '.git/objects'), 'sha1');
    const blob = w.blob('héllo wörld\r\n');
    const tree = w.tree([{ mode: '100644', name: 'ünïcode name.md', oid: blob }]);
    const commit = w.commit({ tree, parents: [], author: { name: 'Ü', email: 'u@example.com', time: 1 }, committer: { name: 'Ü', email: 'u@example.com', time: 1 }, message: 'm' });
    const gitdir = join(repo, '.git');
    const c = await isogit.readCommit({ fs, gitdir, oid: commit });
    expect(c.commit.tree).toBe(tree);
    expect(c.commit.author.name).toBe('Ü');
    const t = await isogit.readTree({ fs, gitdir, oid: tree });
    expect(t.tree).toEqual([{ mode: '100644', path: 'ünïcode name.md', oid: blob, type: 'blob' }]);
    const b = await isogit.readBlob({ fs, gitdir, oid: blob });
    expect(Buffer.from(b.blob).toString('utf8')).toBe('héllo wörld\r\n');
  });

  it('writes SHA-256 objects in a SHA-256 repository', () => {
    const repo = makeRepo({ objectFormat: 'sha256' });
    const w = new ObjectWriter(join(repo, '.git/objects'), 'sha256');
    const blob = w.blob('x');
    expect(blob).toHaveLength(64);
    expect(blob).toBe(git(repo, ['hash-object', '--stdin'], { input: 'x' }));
    const items = [{ mode: '100644' as const, name: 'f', oid: blob }];
    const tree = w.tree(items);
    expect(git(repo, ['cat-file', '-t', tree])).toBe('tree');
    expect(parseTree(formatTree(items), 'sha256')).toEqual(items);
  });

  it('parses the trees git writes as git lists them: UTF-8 names, spaces, subtrees, ids with any bytes', () => {
    const repo = makeRepo();
    const names = ['ünïcode name.md', 'a b', '日本語', 'x'];
    // Blobs whose ids hold a space byte and a NUL byte, where a careless parser would split.
    const w = new ObjectWriter(join(repo, '.git/objects'), 'sha1');
    const blobs: string[] = [];
    const has = (byte: string) => blobs.some((b) => b.match(/../g)!.includes(byte));
    for (let i = 0; !(has('20') && has('00')) || blobs.length < 8; i++) blobs.push(w.blob(`blob ${i}\n`));
    const sub = git(repo, ['mktree', '-z'], { input: blobs.map((b, i) => `100644 blob ${b}\t${names[i % names.length]}${i}\x00`).join('') });
    const top = git(repo, ['mktree', '-z'], { input: `040000 tree ${sub}\tdir ü\x00100755 blob ${blobs[0]}\trun.sh\x00` });
    for (const tree of [sub, top]) {
      const listed = git(repo, ['ls-tree', '-z', tree]).split('\x00').filter(Boolean).map((line) => {
        const [info, name] = line.split('\t');
        const [mode, , oid] = info!.split(' ');
        return { mode: mode === '040000' ? '40000' : mode, name, oid };
      });
      const raw = execFileSync('git', ['cat-file', 'tree', tree], { cwd: repo });
      expect(parseTree(raw, 'sha1')).toEqual(listed);
    }
    expect(() => parseTree(Buffer.from('100644 cut'), 'sha1')).toThrow('malformed tree object');
    expect(() => parseTree(Buffer.concat([Buffer.from('100644 short\0'), Buffer.alloc(19)]), 'sha1')).toThrow('malformed tree object');
  });

  it('never leaves a partial object file: content goes to a temporary file first', () => {
    const repo = makeRepo();
    const w = new ObjectWriter(join(repo, '.git/objects'), 'sha1');
    const oid = w.blob('atomic');
    expect(hashObject('sha1', 'blob', Buffer.from('atomic'))).toBe(oid);
    const dir = join(repo, '.git/objects', oid.slice(0, 2));
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('tmp_obj_'))).toEqual([]);
    // Writing the same object again is a no-op.
    expect(w.blob('atomic')).toBe(oid);
  });

  it('sorts tree items the way git does', () => {
    const items = sortTreeItems([
      { mode: '100644', name: 'b', oid: '0'.repeat(40) },
      { mode: '40000', name: 'a', oid: '0'.repeat(40) },
      { mode: '100644', name: 'a.txt', oid: '0'.repeat(40) },
    ]);
    expect(items.map((i) => i.name)).toEqual(['a.txt', 'a', 'b']);
  });
});
