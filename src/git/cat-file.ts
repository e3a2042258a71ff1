/**
 * A long-lived `git cat-file --batch`: one process answers any number of object reads, in order.
 * Reading 100k entries this way takes ~1 s, against ~50 s through isomorphic-git's pack reader.
 * Requests are pipelined: callers may issue many reads before the first answer arrives.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import type { GitRunner } from './run.js';
import { GitError } from '../errors.js';

export interface GitObject {
  oid: string;
  type: string;
  content: Buffer;
}

interface Pending {
  resolve: (o: GitObject | null) => void;
  reject: (e: Error) => void;
}

/**
 * Read many objects at once through a one-shot `git cat-file --batch --buffer` (git buffers its output
 * instead of flushing per object): 100k blobs in about the time git takes to inflate them. `onObject`
 * is called in request order; missing objects are reported as null.
 */
export function readObjects(git: GitRunner, names: readonly string[], onObject: (index: number, obj: GitObject | null) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = git.start(['cat-file', '--batch', '--buffer']);
    let buf: Buffer = Buffer.alloc(0);
    let next = 0;
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (stderr += s));
    child.stdout.on('data', (chunk: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      let pos = 0;
      while (next < names.length) {
        const nl = buf.indexOf(0x0a, pos);
        if (nl < 0) break;
        const header = buf.toString('utf8', pos, nl);
        if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
          onObject(next++, null);
          pos = nl + 1;
          continue;
        }
        const [oid, type, sizeText] = header.split(' ');
        const end = nl + 1 + Number(sizeText);
        if (buf.length < end + 1) break;
        onObject(next++, { oid: oid!, type: type!, content: buf.subarray(nl + 1, end) });
        pos = end + 1;
      }
      buf = buf.subarray(pos);
    });
    child.on('error', (e) => reject(new GitError(['cat-file', '--batch'], null, e.message)));
    child.on('close', (status) => {
      if (next === names.length) resolve();
      else reject(new GitError(['cat-file', '--batch', '--buffer'], status, stderr || 'output ended early'));
    });
    child.stdin.on('error', () => {
      /* reported through 'close' */
    });
    child.stdin.end(names.length ? `${names.join('\n')}\n` : '');
  });
}

export class CatFile {
  private child: ChildProcessWithoutNullStreams | null = null;
  private readonly queue: Pending[] = [];
  private buf: Buffer = Buffer.alloc(0);
  private stderr = '';
  private failed: Error | null = null;
  private corked = false;

  /** `started`: a `git cat-file --batch` already started for `git`'s repository (see ./probe.ts). */
  constructor(
    private readonly git: GitRunner,
    private started?: ChildProcessWithoutNullStreams,
  ) {}

  private ensure(): ChildProcessWithoutNullStreams {
    if (this.failed) throw this.failed;
    if (this.child) return this.child;
    // A started process is taken only while it runs: its exit before now would never be heard.
    const started = this.started?.pid !== undefined && this.started.exitCode === null && this.started.signalCode === null ? this.started : null;
    if (this.started && !started) this.started.stdin.end();
    this.started = undefined;
    const child = started ?? this.git.start(['cat-file', '--batch']);
    child.stdout.on('data', (b: Buffer) => this.onData(b));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (this.stderr += s));
    const fail = (e: Error) => {
      this.failed = e;
      for (const p of this.queue.splice(0)) p.reject(e);
    };
    child.on('error', (e) => fail(new GitError(['cat-file', '--batch'], null, e.message)));
    child.on('close', (status) => {
      this.child = null;
      if (this.queue.length) fail(new GitError(['cat-file', '--batch'], status, this.stderr));
    });
    child.stdin.on('error', () => {
      /* reported through 'close' */
    });
    this.child = child;
    return child;
  }

  /** Whether a git process is there to answer reads (started, or handed over already started). */
  get running(): boolean {
    return !!(this.child ?? this.started);
  }

  /** Read an object by id or by any name git understands (`<rev>:<path>`, a ref). Null if missing. */
  read(name: string): Promise<GitObject | null> {
    if (/[\n\r]/.test(name)) return Promise.resolve(null);
    const child = this.ensure();
    if (!this.corked) {
      // The names asked for in one tick go to git in one write, not one system call each.
      this.corked = true;
      child.stdin.cork();
      process.nextTick(() => {
        this.corked = false;
        child.stdin.uncork();
      });
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject });
      child.stdin.write(`${name}\n`);
    });
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.queue.length) {
      const nl = this.buf.indexOf(0x0a);
      if (nl < 0) return;
      const header = this.buf.toString('utf8', 0, nl);
      if (header.endsWith(' missing') || header.endsWith(' ambiguous')) {
        this.buf = this.buf.subarray(nl + 1);
        this.queue.shift()!.resolve(null);
        continue;
      }
      const [oid, type, sizeText] = header.split(' ');
      const size = Number(sizeText);
      if (this.buf.length < nl + 1 + size + 1) return;
      const content = Buffer.from(this.buf.subarray(nl + 1, nl + 1 + size));
      this.buf = this.buf.subarray(nl + 1 + size + 1);
      this.queue.shift()!.resolve({ oid: oid!, type: type!, content });
    }
  }

  close(): void {
    (this.child ?? this.started)?.stdin.end();
    this.child = null;
    this.started = undefined;
  }
}
