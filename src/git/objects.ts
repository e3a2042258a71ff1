/**
 * Writing git objects in process.
 *
 * Why not `git hash-object` / `mktree` / `commit-tree`: an append needs a blob, six trees and a commit;
 * as separate processes that is ~30 ms, over the whole budget of an `add`. Why not isomorphic-git: it
 * writes loose objects straight to their final path (a crash leaves a corrupt object that git never
 * repairs) and costs ~40 ms to load. The loose-object format is small and fixed, so we write it the way
 * git itself does: deflate into a temporary file in the same directory, then rename it into place, so
 * an object file is either absent or complete whatever instant the process dies. Temporary files are
 * named `tmp_obj_*`, which `git gc` already knows to clean up. `git fsck --strict` checks the result in
 * the tests.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { ObjectFormat } from './repo.js';
import { nodeCrypto, nodeZlib } from '../builtins.js';

export type ObjectType = 'blob' | 'tree' | 'commit';

export interface TreeItem {
  mode: '100644' | '100755' | '40000' | '120000' | '160000';
  name: string;
  oid: string;
}

export function hashObject(format: ObjectFormat, type: ObjectType, content: Buffer): string {
  return nodeCrypto().createHash(format).update(`${type} ${content.length}\0`).update(content).digest('hex');
}

export class ObjectWriter {
  constructor(
    private readonly objectsDir: string,
    readonly format: ObjectFormat,
  ) {}

  /** Write one object (if not already present as a loose object) and return its id. */
  write(type: ObjectType, content: Buffer): string {
    const oid = hashObject(this.format, type, content);
    const dir = join(this.objectsDir, oid.slice(0, 2));
    const file = join(dir, oid.slice(2));
    if (existsSync(file)) return oid;
    const data = nodeZlib().deflateSync(Buffer.concat([Buffer.from(`${type} ${content.length}\0`), content]), { level: 1 });
    for (let attempt = 1; ; attempt++) {
      const tmp = join(dir, `tmp_obj_${nodeCrypto().randomBytes(6).toString('hex')}`);
      try {
        // `git gc` (prune-packed) removes an empty fan-out directory at any instant: between our
        // mkdir and our write, and even inside mkdir (node's recursive mkdir finds it there, then
        // fails with ENOENT when it checks it is a directory). Make it again and retry, as git does.
        mkdirSync(dir, { recursive: true });
        writeFileSync(tmp, data, { mode: 0o444, flag: 'wx' });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 1000) continue; // each try takes microseconds: a busy pruner can win many in a row
        throw e;
      }
      try {
        renameSync(tmp, file);
      } catch (e) {
        try {
          unlinkSync(tmp);
        } catch {
          /* already gone */
        }
        throw e;
      }
      return oid;
    }
  }

  blob(content: string | Buffer): string {
    return this.write('blob', typeof content === 'string' ? Buffer.from(content, 'utf8') : content);
  }

  tree(items: readonly TreeItem[]): string {
    return this.write('tree', formatTree(items));
  }

  commit(c: CommitFields): string {
    return this.write('commit', Buffer.from(formatCommit(c), 'utf8'));
  }
}

/**
 * A loose object, read from its file: null when it is not there as a loose object (packed, in an
 * alternate, or missing), for the caller to ask git. git-ctx's appends read back the trees the previous
 * append wrote, which are loose until git packs them: reading those files saves a process or a round
 * trip to one; anything else goes through git.
 */
export function readLooseObject(objectsDir: string, oid: string): { type: string; content: Buffer } | null {
  let data: Buffer;
  try {
    data = nodeZlib().inflateSync(readFileSync(join(objectsDir, oid.slice(0, 2), oid.slice(2))));
  } catch {
    return null; // not loose (or unreadable: git will say why)
  }
  const nul = data.indexOf(0);
  const [type, size] = data.toString('latin1', 0, nul < 0 ? 0 : nul).split(' ');
  if (nul < 0 || Number(size) !== data.length - nul - 1) return null;
  return { type: type!, content: data.subarray(nul + 1) };
}

/**
 * The value of a loose ref file under `commonDir` (`refs/heads/<branch>`), or null when there is no
 * such file or it holds anything but an object id (packed refs, a symbolic ref, another ref backend:
 * ask git). A value read this way is only ever the expected old value of a compare-and-swap, or a
 * starting point for reads: git still decides every update.
 */
export function readLooseRef(commonDir: string, ref: string, format: ObjectFormat): string | null {
  let text: string;
  try {
    text = readFileSync(join(commonDir, ref), 'latin1');
  } catch {
    return null;
  }
  const oid = text.trim();
  return (format === 'sha1' ? /^[0-9a-f]{40}$/ : /^[0-9a-f]{64}$/).test(oid) ? oid : null;
}

export interface Signature {
  name: string;
  email: string;
  /** Seconds since the epoch. */
  time: number;
  /** Offset like "+0000". */
  tz?: string;
}

export interface CommitFields {
  tree: string;
  parents: readonly string[];
  author: Signature;
  committer: Signature;
  message: string;
}

/** Git sorts tree entries by name, comparing a subtree's name as if it ended with "/". */
export function sortTreeItems(items: readonly TreeItem[]): TreeItem[] {
  const key = (i: TreeItem) => Buffer.from(i.mode === '40000' ? `${i.name}/` : i.name, 'utf8');
  return [...items].sort((a, b) => Buffer.compare(key(a), key(b)));
}

export function formatTree(items: readonly TreeItem[]): Buffer {
  const parts: Buffer[] = [];
  for (const item of sortTreeItems(items)) {
    parts.push(Buffer.from(`${item.mode} ${item.name}\0`, 'utf8'), Buffer.from(item.oid, 'hex'));
  }
  return Buffer.concat(parts);
}

/**
 * Buffer's own decoders, which `toString(encoding, start, end)` calls once it has checked its
 * arguments. Node has them on every Buffer; its types leave them out.
 */
interface Decoders {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
  hexSlice(start: number, end: number): string;
}

/**
 * Parse the binary tree format (as `cat-file` returns it). A short process parses thousands of tree
 * entries in code V8 has not optimised yet, where each Buffer method call costs more than its work:
 * the entries are found in one latin1 string of the tree (a character per byte, so offsets are byte
 * offsets), and only the name and the id are decoded from the bytes. 2-3 times faster than
 * `indexOf` and `toString` on the Buffer for the 3k claims `brief` reads at 100k entries.
 */
export function parseTree(buf: Buffer, format: ObjectFormat): TreeItem[] {
  const oidLen = format === 'sha1' ? 20 : 32;
  const bytes = buf as unknown as Decoders;
  const s = bytes.latin1Slice(0, buf.length);
  const items: TreeItem[] = [];
  let i = 0;
  while (i < s.length) {
    const space = s.indexOf(' ', i);
    const nul = s.indexOf('\0', space);
    if (space < 0 || nul < 0 || nul + 1 + oidLen > s.length) throw new Error('malformed tree object');
    items.push({ mode: s.slice(i, space) as TreeItem['mode'], name: bytes.utf8Slice(space + 1, nul), oid: bytes.hexSlice(nul + 1, nul + 1 + oidLen) });
    i = nul + 1 + oidLen;
  }
  return items;
}

/** Names and e-mails cannot hold `<`, `>` or newlines in a commit header. */
function cleanIdent(s: string): string {
  return s.replace(/[<>\n\r\0]/g, '').trim();
}

function formatSignature(s: Signature): string {
  const name = cleanIdent(s.name) || 'unknown';
  const email = cleanIdent(s.email);
  return `${name} <${email}> ${Math.floor(s.time)} ${s.tz ?? '+0000'}`;
}

export function formatCommit(c: CommitFields): string {
  const lines = [`tree ${c.tree}`, ...c.parents.map((p) => `parent ${p}`), `author ${formatSignature(c.author)}`, `committer ${formatSignature(c.committer)}`];
  const message = c.message.endsWith('\n') ? c.message : `${c.message}\n`;
  return `${lines.join('\n')}\n\n${message}`;
}

/** The parts of a commit object we read back: its tree and parents. */
export function parseCommitHeader(buf: Buffer): { tree: string; parents: string[] } {
  const text = buf.toString('utf8', 0, Math.min(buf.length, 4096));
  const headerEnd = text.indexOf('\n\n');
  const header = headerEnd < 0 ? text : text.slice(0, headerEnd);
  let tree = '';
  const parents: string[] = [];
  for (const line of header.split('\n')) {
    if (line.startsWith('tree ')) tree = line.slice(5);
    else if (line.startsWith('parent ')) parents.push(line.slice(7));
  }
  if (!tree) throw new Error('malformed commit object');
  return { tree, parents };
}
