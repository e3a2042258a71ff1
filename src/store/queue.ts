/**
 * The group commit queue: concurrent writers of one branch take turns (the writer lock), and whoever
 * holds the turn commits every change queued so far, so that 16 writers do not pay 16 turns each.
 *
 * A writer writes its blobs, then queues its change as a request file (written under a private name
 * and renamed into place, so it is whole or absent). While it waits for the lock it watches its
 * request: the holder of the lock lands each queued change as a commit of its own (one commit per
 * change, so trailers and messages stay per entry), moves the branch once with the compare-and-swap,
 * and only then writes a result file beside each request and removes the request. A writer whose
 * request is gone takes its result. An entry is acknowledged only once it is on the branch.
 *
 * A holder killed after the compare-and-swap but before writing results leaves the requests queued:
 * the next holder finds their files already on the branch, byte for byte, and answers them without a
 * second commit (see ./group-commit.ts and Store.buildOn). A writer killed while queued leaves a request that the next
 * holder still lands (like a write sent just before a crash); its result is swept after RESULT_TTL_MS.
 */
import { readFileSync, writeFileSync, renameSync, unlinkSync, readdirSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from '../deps.js';

/** A change ready to commit: its blobs are in the object store already. */
export interface PreparedChange {
  message: string;
  author: { name: string; email: string };
  files: { path: string; oid: string; createOnly?: boolean; expect?: string }[];
  remove: string[];
}

/** What the writer of a queued change is told. */
export interface QueuedResult {
  commit: string;
  parent: string | null;
  attempts: number;
  existing: string[];
}

/** What the writer of a queued change the holder could not land is told (nothing of it was written). */
export interface QueuedFailure {
  error: string;
}

export interface QueuedRequest {
  name: string;
  change: PreparedChange;
}

const RESULT_TTL_MS = 60_000;

export class CommitQueue {
  constructor(
    readonly dir: string,
    private readonly deps: Deps,
  ) {}

  /** Queue a change; returns the request's name. Throws if the queue cannot be written. */
  enqueue(change: PreparedChange): string {
    mkdirSync(this.dir, { recursive: true });
    // Names sort in arrival order (time first), so changes land in the order they were queued.
    const name = `${this.deps.now().toString(36).padStart(9, '0')}-${Buffer.from(this.deps.random(6)).toString('hex')}`;
    const tmp = join(this.dir, `${name}.tmp`);
    writeFileSync(tmp, JSON.stringify(change));
    renameSync(tmp, join(this.dir, `${name}.req`));
    return name;
  }

  /** Whether a request is still waiting. */
  queued(name: string): boolean {
    try {
      statSync(join(this.dir, `${name}.req`));
      return true;
    } catch {
      return false;
    }
  }

  /** The result of a request, once a holder of the lock has answered it (read once: it is removed). */
  take(name: string): QueuedResult | QueuedFailure | null {
    const path = join(this.dir, `${name}.res`);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return null;
    }
    remove(path);
    return JSON.parse(text) as QueuedResult | QueuedFailure;
  }

  /** Withdraw a request that is still waiting (its writer gives up: it will report a failure). */
  withdraw(name: string): void {
    remove(join(this.dir, `${name}.req`));
  }

  /** Every waiting request, oldest first; unreadable ones are dropped (their writers queue again). */
  pending(): QueuedRequest[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return [];
    }
    const out: QueuedRequest[] = [];
    const now = this.deps.now();
    for (const file of names.sort()) {
      const path = join(this.dir, file);
      if (file.endsWith('.req')) {
        let text: string;
        let change: unknown;
        try {
          text = readFileSync(path, 'utf8');
        } catch {
          continue; // answered and removed meanwhile
        }
        try {
          change = JSON.parse(text);
        } catch {
          change = null;
        }
        if (isPreparedChange(change)) out.push({ name: file.slice(0, -4), change });
        else this.finish(new Map([[file.slice(0, -4), { error: 'the queued change was malformed; nothing of it was written' }]]), null);
      } else if (file.endsWith('.res') || file.endsWith('.tmp')) {
        // Results nobody came for, and requests a killed writer never finished writing.
        try {
          if (now - statSync(path).mtimeMs > RESULT_TTL_MS) remove(path);
        } catch {
          /* taken meanwhile */
        }
      }
    }
    return out;
  }

  /**
   * Answer landed requests: results first, then the requests go, so a waiter always finds one or the
   * other. `own`, the holder's request, just goes.
   */
  finish(results: ReadonlyMap<string, QueuedResult | QueuedFailure>, own: string | null): void {
    if (own) remove(join(this.dir, `${own}.req`));
    for (const [name, result] of results) {
      // Two holders may answer one request (one went ahead without the lock): private temporary names.
      const tmp = join(this.dir, `${name}.res.${Buffer.from(this.deps.random(4)).toString('hex')}.tmp`);
      try {
        writeFileSync(tmp, JSON.stringify(result));
        renameSync(tmp, join(this.dir, `${name}.res`));
      } catch {
        // Unanswered, the request stays queued: its writer lands it itself and finds it on the branch.
        remove(tmp);
        continue;
      }
      remove(join(this.dir, `${name}.req`));
    }
  }
}

function remove(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* gone already */
  }
}

const OID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const isText = (v: unknown): v is string => typeof v === 'string';

/** A request as a writer of this version queues it: anything else is answered with a failure, not landed. */
function isPreparedChange(v: unknown): v is PreparedChange {
  const c = v as PreparedChange;
  return (
    !!c &&
    typeof c === 'object' &&
    isText(c.message) &&
    !!c.author &&
    isText(c.author.name) &&
    isText(c.author.email) &&
    Array.isArray(c.files) &&
    c.files.every((f) => !!f && isText(f.path) && f.path !== '' && isText(f.oid) && OID.test(f.oid) && (f.createOnly === undefined || typeof f.createOnly === 'boolean') && (f.expect === undefined || (isText(f.expect) && OID.test(f.expect)))) &&
    Array.isArray(c.remove) &&
    c.remove.every((p) => isText(p) && p !== '')
  );
}
