/**
 * Group commit: how one writer's change reaches the branch when many writers of one branch write at
 * once (storage invariant 3).
 *
 * The writer queues its change (./queue.ts) and waits for its turn (the advisory writer lock, ./lock.ts).
 * Whoever holds the turn lands every queued change: each becomes a commit of its own on top of the
 * previous one (trailers and messages stay per entry; createOnly and expect paths are checked against
 * each commit's own parent), the branch moves once by compare-and-swap, and only then is each waiting
 * writer answered. A lost compare-and-swap (a writer that went ahead without the lock, another clone's
 * pull) rebuilds them all on the new tip. A waiter whose request is answered meanwhile takes its result
 * without ever holding the lock. An entry is acknowledged only once it is on the branch.
 *
 * What a branch is, how a change is built into a commit and how the branch is moved are the store's
 * (./store.ts): it hands them in as a `Branch`. This module decides only who lands what, and when.
 */
import type { Deps } from '../deps.js';
import { RefLockWatch, type CasOutcome } from '../git/refs.js';
import { CtxError } from '../errors.js';
import type { HeldLock } from './lock.js';
import type { CommitQueue, PreparedChange, QueuedFailure, QueuedRequest, QueuedResult } from './queue.js';

/** A commit and its tree. */
export interface Tip {
  oid: string;
  tree: string;
}

/** One change built on a tip (see Branch.build). */
export interface Built {
  /** The commit it was built on. */
  parent: string;
  /** The new commit, or `parent` when nothing was committed. */
  commit: string;
  /** The new tip, or null when nothing was committed (refused, or on the branch already). */
  next: Tip | null;
  /** createOnly or expect paths that refused the change. */
  existing: string[];
}

/** What group commit needs of the branch it lands changes on. */
export interface Branch {
  /** The full ref name (for errors). */
  readonly ref: string;
  /** The tip, read afresh and checked as one git-ctx may write on (null: the branch does not exist yet). */
  tip(): Promise<Tip | null>;
  /** The commit of one change on top of `current` (the root commit when null). */
  build(change: PreparedChange, current: Tip | null): Promise<Built>;
  /** Move the branch from `oldOid` (null: absent) to `newOid`, by compare-and-swap. */
  move(update: { newOid: string; oldOid: string | null; subject: string }): Promise<CasOutcome>;
  /** The branch moved: from `oldOid` to `newOid`. */
  moved(newOid: string, oldOid: string | null): void;
  /** Wait for the turn (null: not had in time: go ahead on the compare-and-swap alone). `stop`: give up waiting. */
  lock(stop?: () => boolean): Promise<HeldLock | null>;
}

const MAX_ATTEMPTS = 1000;

/**
 * Land one prepared change (its blobs written) through the queue; it is on the branch when this
 * returns a result. A failure is what the holder that tried to land it was told (nothing of it was
 * written); an error of this writer's own landing is thrown.
 */
export async function groupCommit(queue: CommitQueue, branch: Branch, prepared: PreparedChange, deps: Deps): Promise<QueuedResult | QueuedFailure> {
  const enqueue = (): string | null => {
    try {
      return queue.enqueue(prepared);
    } catch {
      return null; // a queue that cannot be written: land this change alone
    }
  };
  let name = enqueue();
  for (;;) {
    if (name) {
      const landed = queue.take(name) ?? (queue.queued(name) ? null : queue.take(name));
      if (landed) return landed;
      if (!queue.queued(name)) name = enqueue(); // its answer was swept (a writer stopped for a minute): queue it again
    }
    const own = name;
    const lock = await branch.lock(own ? () => !queue.queued(own) : undefined);
    if (!lock && own && !queue.queued(own)) continue; // answered by the holder: take the result
    try {
      return await land(queue, branch, own, prepared, deps);
    } catch (e) {
      // Reported as failed, so it must not land later through another writer.
      if (own) queue.withdraw(own);
      throw e;
    } finally {
      lock?.release();
    }
  }
}

/**
 * Land every queued change (and this writer's own) on the tip, retrying on a lost compare-and-swap,
 * then answer the other writers. Returns this writer's result.
 */
async function land(queue: CommitQueue, branch: Branch, own: string | null, prepared: PreparedChange, deps: Deps): Promise<QueuedResult | QueuedFailure> {
  const watch = new RefLockWatch(branch.ref, deps.now);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const tip = await branch.tip();
    let requests: QueuedRequest[] = [];
    if (own) {
      requests = queue.pending();
      if (!requests.some((r) => r.name === own)) {
        // Landed meanwhile by a writer that went ahead without the lock.
        const landed = queue.take(own);
        if (landed) return landed;
        requests.push({ name: own, change: prepared });
      }
    } else {
      requests = [{ name: '', change: prepared }];
    }
    const results = new Map<string, QueuedResult | QueuedFailure>();
    let current = tip;
    for (const request of requests) {
      let built;
      try {
        built = await branch.build(request.change, current);
      } catch (e) {
        // Another writer's change that cannot be built fails alone; this writer's own fails the call.
        if (request.name === (own ?? '')) throw e;
        results.set(request.name, { error: (e as Error).message });
        continue;
      }
      results.set(request.name, { commit: built.commit, parent: built.next ? built.parent : (current?.oid ?? null), attempts: attempt, existing: built.existing });
      if (built.next) current = built.next;
    }
    const mine = results.get(own ?? '')!;
    results.delete(own ?? '');
    if (current === tip) {
      // Nothing to move (every change was refused, or is on the branch already).
      queue.finish(results, own);
      return mine;
    }
    const subject = requests.length === 1 ? requests[0]!.change.message.split('\n')[0]! : `${requests.length} queued changes`;
    const cas = await branch.move({ newOid: current!.oid, oldOid: tip?.oid ?? null, subject });
    if (cas.ok) {
      branch.moved(current!.oid, tip?.oid ?? null);
      queue.finish(results, own);
      return mine;
    }
    if (cas.reason === 'locked') watch.locked(cas.lockFile);
    else watch.free();
    // Lost the race (a writer without the lock, or another clone's pull): jitter, rebuild, retry.
    await deps.sleep(1 + (deps.random(1)[0]! % (cas.reason === 'locked' ? 20 : 8)));
  }
  throw new CtxError('E_CONTENTION', 1, `could not update ${branch.ref} after ${MAX_ATTEMPTS} attempts`);
}
