/**
 * Writes go only to a branch that is git-ctx's own (storage invariant 2): before anything is written,
 * and again on every tip a write is built on, the branch named by ctx.branch must
 *
 * - not be checked out, rebased or bisected in any worktree (a write would move it under that
 *   worktree, whose `git status` would then show the difference as staged changes);
 * - have a short name git does not find ambiguous (no tag, remote-tracking ref, `refs/<name>` or
 *   `$GIT_DIR/<name>` of the same name: `git log <name>` would read another ref);
 * - be git-ctx's: absent (it is created at git-ctx's root), or a history whose first parents lead to
 *   the root commit git-ctx writes (deterministic, docs/data-model.md), or, in a shallow clone, to the
 *   shallow boundary of a tree that holds `.ctx-format`;
 * - hold a `.ctx-format` this version writes (not newer).
 *
 * A tip is proven together with its format (a commit never changes).
 *
 * Every write pays for this, so it is cheap: the first three read git's files directly (a few `stat`s
 * and small reads, src/git/branch-files.ts); the ownership of a tip is proven once and remembered by
 * tip in `.git/ctx/checked/<branch>` (a tip that descends from a proven one by at most WALK first
 * parents, read in process, is proven too, and every WRITE_EVERY commits a write records the tip it
 * made), so only the first write of a clone, or after someone else moved the branch a long way, asks
 * git (`rev-list`).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from './store.js';
import { branchNameProblem, packedRefsStamp, shadowingRefs, worktreesUsing } from '../git/branch-files.js';
import { hashObject, readLooseRef } from '../git/objects.js';
import { UnsupportedError, UsageError } from '../errors.js';

/** First parents followed in process from a new tip to one proven before. */
const WALK = 64;
/**
 * The file of proven tips is written again once the tip is this many commits past the one it names:
 * writing a file costs more than an append's other work on some disks (0.7 ms here), reading back a
 * few loose commits less (~30 µs each).
 */
const WRITE_EVERY = 8;

export interface TipCommit {
  oid: string;
  tree: string;
}

export class BranchGuard {
  /**
   * Tips proven git-ctx's (with their format), in this process and the one read from the file, each
   * with how many commits it is past the file's (first parents).
   */
  private readonly proven = new Map<string, number>();
  private fileRead = false;
  private packedClean: string | null = null;
  private formatBlobs: Set<string> | null = null;

  constructor(
    private readonly store: Store,
    private readonly bare: boolean,
  ) {}

  private get file(): string {
    return join(this.store.privateDir, 'checked', this.store.safeBranch);
  }

  /** The checks that do not depend on the tip: name, worktrees, ambiguity. Throws when refused. */
  checkPlace(): void {
    const { store } = this;
    const problem = branchNameProblem(store.branch);
    if (problem) throw new UsageError(`ctx.branch is not a name git-ctx can use: ${store.branch} (${problem})`, { code: 'E_CONFIG', hint: 'unset git config ctx.branch (the default is context) or choose another name' });
    const using = worktreesUsing(store.repo.commonDir, store.ref, this.bare);
    if (using.length) {
      const w = using[0]!;
      const how = w.how === 'HEAD' ? 'is checked out' : w.how === 'rebase' ? 'is being rebased' : 'is being bisected';
      throw new UsageError(`the context branch ${store.branch} ${how} in ${w.worktree}: git-ctx writes it only when no worktree uses it`, {
        code: 'E_BRANCH_CHECKED_OUT',
        data: { branch: store.branch, worktrees: using.map((u) => u.worktree) },
        hint: `switch that worktree to another branch (git -C ${w.worktree} switch --detach), or set git config ctx.branch to a branch of git-ctx's own`,
      });
    }
    this.readFile();
    const stamp = packedRefsStamp(store.repo.commonDir);
    const shadows = shadowingRefs(store.repo.gitDir, store.repo.commonDir, store.branch, stamp === null || stamp === this.packedClean);
    if (shadows.length) {
      throw new UsageError(`the context branch name ${store.branch} is ambiguous: git also has ${shadows.join(', ')}`, {
        code: 'E_BRANCH_AMBIGUOUS',
        data: { branch: store.branch, refs: shadows },
        hint: 'set git config ctx.branch to a name no tag or other ref has (the default is context)',
      });
    }
    if (stamp !== null && stamp !== this.packedClean) {
      this.packedClean = stamp;
      this.writeFile();
    }
  }

  /**
   * Everything, for a write about to start on the current tip. Throws when refused. Synchronous (no
   * promise) when the tip is a proven one, read from its loose ref: writers starting together then
   * queue their changes in the same tick, and one of them lands them all (group commit, queue.ts).
   */
  check(): void | Promise<void> {
    this.checkPlace();
    const { repo, ref } = this.store;
    const loose = readLooseRef(repo.commonDir, ref, repo.objectFormat);
    if (loose && this.proven.has(loose)) return;
    return (async () => {
      const tip = await this.store.tipCommit();
      if (tip) await this.checkTip(tip);
    })();
  }

  /** That `tip`, which a write is about to be built on, is git-ctx's and of a format it writes. */
  async checkTip(tip: TipCommit): Promise<void> {
    this.readFile();
    // A tip is proven with its tree: its format was checked then, and a commit never changes.
    if (this.proven.has(tip.oid)) return;
    await this.checkFormat(tip.tree);
    let at: string | null = tip.oid;
    for (let i = 0; at && i < WALK; i++) {
      const known = this.proven.get(at);
      if (known !== undefined) return this.prove(tip.oid, known + i);
      at = await this.store.firstParent(at);
    }
    if (await this.rootedAtOurs(tip)) return this.prove(tip.oid, 0);
    const { store } = this;
    throw new UsageError(`${store.ref} is not git-ctx's context branch: its history does not start at the root commit git-ctx writes`, {
      code: 'E_NOT_CONTEXT_BRANCH',
      data: { branch: store.branch, tip: tip.oid },
      hint: "git-ctx writes only to a branch of its own: unset git config ctx.branch (the default is context), or name a branch that does not exist yet",
    });
  }

  /**
   * A write landed `tip` on a proven one, changing no `.ctx-format`: remember it, so that the next
   * write need not walk.
   */
  landed(tip: string, on: string | null): void {
    this.prove(tip, on === null ? 0 : (this.proven.get(on) ?? WRITE_EVERY) + 1);
  }

  /**
   * A merge of proven histories whose first parent need not be the tip it replaces (mergeCommits
   * orders parents by name, so that every clone writes the same commit): recorded at once, since the
   * next process could not reach a proven tip by its first parents, and would ask git.
   */
  merged(tip: string): void {
    this.prove(tip, 0);
  }

  /** The error for a history to merge that shares nothing with the (proven) local branch. */
  unrelated(theirs: string, where: string): UsageError {
    return new UsageError(`${where} shares no history with the local context branch ${this.store.branch}: it is not git-ctx's`, {
      code: 'E_NOT_CONTEXT_BRANCH',
      data: { branch: this.store.branch, theirs },
      hint: 'check git config ctx.branch and ctx.remote: git-ctx merges only context branches that start at its root commit',
    });
  }

  /** The `.ctx-format` of a tree is one this version writes (absent counts as 1). Throws when newer. */
  async checkFormat(tree: string): Promise<void> {
    const { store } = this;
    const item = (await store.readTree(tree)).find((i) => i.name === '.ctx-format');
    if (!item) return;
    // Every version this one writes, by its blob: the root commit keeps format 1 whatever the version.
    this.formatBlobs ??= new Set(Array.from({ length: store.formatVersion }, (_, i) => hashObject(store.repo.objectFormat, 'blob', Buffer.from(`${i + 1}\n`))));
    if (this.formatBlobs.has(item.oid)) return;
    const text = (await store.readBlob(item.oid))?.toString('utf8').trim() ?? '';
    const version = /^\d+$/.test(text) ? Number(text) : Number.NaN;
    if (version <= store.formatVersion) return;
    throw new UnsupportedError('E_FORMAT_NEWER', `the context branch ${store.branch} has format ${text.slice(0, 20) || '(unreadable)'}; this git-ctx writes format ${store.formatVersion}`, {
      data: { branch: store.branch, format: text.slice(0, 20), supported: store.formatVersion },
      hint: 'upgrade git-ctx to write to it (reading still works as far as this version understands it)',
    });
  }

  /** Ask git where the first parents of `tip` end: at git-ctx's root, or at a shallow boundary of a context tree. */
  private async rootedAtOurs(tip: TipCommit): Promise<boolean> {
    const { store } = this;
    const r = await store.repo.git.run(['rev-list', '--first-parent', '--max-parents=0', '--end-of-options', tip.oid, '--'], { okStatus: [0, 128] });
    const roots = r.stdout.toString('utf8').split('\n').filter(Boolean);
    if (r.status !== 0 || roots.length !== 1) return false;
    if (roots[0] === store.rootCommitId()) return true;
    let shallow = '';
    try {
      shallow = readFileSync(join(store.repo.commonDir, 'shallow'), 'utf8');
    } catch {
      return false;
    }
    return shallow.split('\n').includes(roots[0]!) && (await store.readTree(tip.tree)).some((i) => i.name === '.ctx-format');
  }

  /** `tip` is proven, `past` commits after the file's: the file names it once that is far enough (or 0: at once). */
  private prove(tip: string, past: number): void {
    if (past === 0 || past >= WRITE_EVERY) {
      this.proven.set(tip, 0);
      if (this.fileTip === tip) return;
      this.fileTip = tip;
      this.writeFile();
    } else this.proven.set(tip, past);
  }

  private fileTip: string | null = null;

  /** `<tip>\n<packed-refs stamp or ->\n`: the last proven tip, and a packed-refs known to hold no shadow. */
  private readFile(): void {
    if (this.fileRead) return;
    this.fileRead = true;
    try {
      const [tip, packed] = readFileSync(this.file, 'utf8').split('\n');
      if (tip && /^[0-9a-f]{40,64}$/.test(tip)) {
        this.proven.set(tip, 0);
        this.fileTip = tip;
      }
      if (packed && packed !== '-') this.packedClean = packed;
    } catch {
      /* not written yet */
    }
  }

  private writeFile(): void {
    try {
      mkdirSync(join(this.store.privateDir, 'checked'), { recursive: true });
      const tmp = `${this.file}.${this.store.deps.pid}.tmp`;
      writeFileSync(tmp, `${this.fileTip ?? ''}\n${this.packedClean ?? '-'}\n`);
      renameSync(tmp, this.file);
    } catch {
      /* a cache that cannot be written costs the next write a walk, nothing more */
    }
  }
}
