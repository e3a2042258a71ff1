/**
 * The group commit queue: concurrent writers of one branch take turns (the writer lock), and whoever
 * holds the turn commits every change queued so far, so that 16 writers do not pay 16 turns each.
 *
 * A writer writes its blobs, then queues its change as a request file (written under a private name
 * and renamed into place, so it is whole or absent). While it waits for the lock it watches for a
 * result file beside its request: the holder of the lock lands each queued change as a commit of its
 * own (one commit per change, so trailers and messages stay per entry), moves the branch once with
 * the compare-and-swap, and only then writes the results and removes the requests. An entry is
 * acknowledged only once it is on the branch.
 *
 * A holder killed after the compare-and-swap but before writing results leaves the requests queued:
 * the next holder finds their files already on the branch, byte for byte, and answers them without a
 * second commit (see Store.commit). A writer killed while queued leaves a request that the next
 * holder still lands (like a write sent just before a crash); its result is swept after RESULT_TTL_MS.
 */
import { readFileSync, writeFileSync, renameSync, unlinkSync, readdirSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from '../deps.js';

/** A change ready to commit: its blobs are in the object store already. */
export interface PreparedChange {
  message: string;
  author: { name: string; email: string };
  files: { path: string; oid: string; createOnly?: boolean }[];
  remove: string[];
}

/** What the writer of a queued change is told. */
export interface QueuedResult {
  commit: string;
  parent: string | null;
  attempts: number;
  existing: string[];
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

  /** The result of a request, once a holder of the lock has landed it (read once: it is removed). */
  take(name: string): QueuedResult | null {
    const path = join(this.dir, `${name}.res`);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      return null;
    }
    remove(path);
    return JSON.parse(text) as QueuedResult;
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
        try {
          out.push({ name: file.slice(0, -4), change: JSON.parse(readFileSync(path, 'utf8')) as PreparedChange });
        } catch {
          remove(path);
        }
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
  finish(results: ReadonlyMap<string, QueuedResult>, own: string | null): void {
    if (own) remove(join(this.dir, `${own}.req`));
    for (const [name, result] of results) {
      const tmp = join(this.dir, `${name}.res.tmp`);
      writeFileSync(tmp, JSON.stringify(result));
      renameSync(tmp, join(this.dir, `${name}.res`));
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
