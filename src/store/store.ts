/**
 * The context branch as a store of immutable files.
 *
 * Writes (storage invariant 3): blobs are written first, outside any lock; then, holding the advisory
 * writer lock, the writer reads the branch tip, rebuilds only the trees on the paths it touches (an
 * append rewrites six small trees, whatever the size of the store), writes a commit whose parent is
 * that tip, and moves the branch by compare-and-swap under git's lock on the ref (in process with git's
 * lock-file protocol, ../git/ref-files.ts, else `git update-ref <ref> <new> <old>`). If the CAS loses, the commit
 * is rebuilt on the new tip and tried again, so no write is ever lost. Concurrent writers land together
 * (./group-commit.ts decides who lands what; this file builds the commits and moves the branch).
 * Nothing here touches the user's index, HEAD, working tree or any other ref.
 *
 * Before any of it is hashed, a change passes the secret screen (storage invariant 7,
 * ./secret-net.ts): commit() is the only way new content reaches the object store.
 */
import { join } from 'node:path';
import type { Deps } from '../deps.js';
import type { Repo } from '../git/repo.js';
import { CatFile, type GitObject } from '../git/cat-file.js';
import { ObjectWriter, formatCommit, formatTree, hashObject, parseCommitHeader, parseTree, readLooseObject, readLooseRef, sortTreeItems, type CommitFields, type TreeItem } from '../git/objects.js';
import { compareAndSwapRef, RefLockWatch, RefUpdater } from '../git/refs.js';
import { readPackedRef } from '../git/locate.js';
import { removeDeadHolders, type RefFileWriter } from '../git/ref-files.js';
import { acquireLock, type HeldLock } from './lock.js';
import { BranchGuard } from './branch-guard.js';
import { CommitQueue, type PreparedChange } from './queue.js';
import { groupCommit, type Branch, type Built, type Tip } from './group-commit.js';
import { screenChange } from './secret-net.js';
import type { Redaction } from '../model/secrets.js';
import { CtxError, InternalError } from '../errors.js';

export interface FileWrite {
  path: string;
  content: string | Buffer;
  /** Fail the change (and write nothing) if the path already exists at the tip it is built on. */
  createOnly?: boolean;
  /**
   * Fail the change (and write nothing) unless the path holds this blob at the tip it is built on: a
   * compare-and-swap of one file (a claim taken over in place). Like createOnly, the failure is
   * reported in `existing`.
   */
  expect?: string;
}

export interface Change {
  add: readonly FileWrite[];
  remove?: readonly string[];
  message: string;
  author: { name: string; email: string };
  /**
   * Store the content as given even where it looks like a secret (`--allow-secrets`). Without it,
   * every file, the message and the identity are screened and secrets replaced by `[REDACTED:<kind>]`
   * before anything is hashed (storage invariant 7).
   */
  allowSecrets?: boolean;
}

export interface CommitResult {
  commit: string;
  parent: string | null;
  attempts: number;
  /** Paths of createOnly writes that already existed: nothing was written. */
  existing: string[];
  /** What the secret screen replaced (empty when the caller had redacted already, or allowed secrets). */
  redactions: Redaction[];
}

export interface Identity {
  name: string;
  email: string;
}

/** The fixed identity and date of the root commit, so that independently created branches share it. */
const ROOT_IDENTITY = { name: 'git-ctx', email: 'git-ctx@localhost', time: 1704067200 };
/**
 * The format this version writes (docs/data-model.md): 2 since claims can be decided by the remote's
 * claim refs and remotes hold per-clone refs. Sync writes it into `.ctx-format`; the root commit keeps
 * the `1` it always had, so that branches created by any version still share their root.
 */
export const FORMAT_VERSION = 2;
const ROOT_FORMAT = 1;
export const BRANCH_README = `# git-ctx context branch

This orphan branch is written by git-ctx. It holds notes, decisions, postmortems, handoffs and messages
shared by the coding sessions working on this repository, one immutable Markdown file per entry under
entries/YYYY/MM/DD/HH/<id>.md, and small state files under state/.

Read it with \`git ctx log\`, \`git ctx show ID\` or \`git show context:<path>\`. Do not check it out or
edit it by hand: git-ctx merges concurrent writers by itself.
`;

/** How long a writer waits for its turn before going ahead on the compare-and-swap alone. */
const LOCK_WAIT_MS = 10_000;
/** Parsed trees kept (small ones: a shard level of the entries tree holds at most a few hundred names). */
const TREE_CACHE = 512;

export class Store {
  readonly ref: string;
  readonly cat: CatFile;
  /** Private: new content reaches the object store only through commit(), past the secret screen. */
  private readonly writer: ObjectWriter;
  readonly zeroOid: string;
  /** Parsed trees by id, oldest first (see readTree). */
  private readonly trees = new Map<string, TreeItem[]>();
  private updater: RefUpdater | null = null;
  /** The branch may be read from git's files, packed-refs included. */
  private readonly packedRefs: boolean;
  /** Moves the branch in process with git's lock-file protocol (null: git moves it). */
  private readonly refFiles: RefFileWriter | null;

  /** What every write checks first: that the branch is git-ctx's own, unused by any worktree, of a format it writes. */
  readonly guard: BranchGuard;

  /**
   * `opts.bare`: the repository is bare (core.bare): its HEAD is no worktree's. `opts.packedRefs`: the
   * branch may be read from git's files, packed-refs included (a files backend, git/locate.ts).
   * `opts.refFiles`: moves the branch in process when the repository allows it (git/ref-files.ts).
   */
  constructor(
    readonly repo: Repo,
    readonly deps: Deps,
    readonly branch: string,
    cat?: CatFile,
    opts: { bare?: boolean; packedRefs?: boolean; refFiles?: RefFileWriter | null } = {},
  ) {
    this.packedRefs = opts.packedRefs ?? false;
    this.refFiles = opts.refFiles ?? null;
    this.ref = `refs/heads/${branch}`;
    this.cat = cat ?? new CatFile(repo.git);
    this.writer = new ObjectWriter(repo.objectsDir, repo.objectFormat);
    this.zeroOid = '0'.repeat(repo.objectFormat === 'sha1' ? 40 : 64);
    this.guard = new BranchGuard(this, !!opts.bare);
  }

  /** The format version this git-ctx writes (`.ctx-format`). */
  get formatVersion(): number {
    return FORMAT_VERSION;
  }

  /** Directory for git-ctx's private per-repository files (locks, caches), shared by all worktrees. */
  get privateDir(): string {
    return join(this.repo.commonDir, 'ctx');
  }

  /** Remove what writers killed while they held the branch's lock left behind (git/ref-files.ts). */
  tidyRefLocks(): number {
    return removeDeadHolders(this.repo.commonDir, join(this.repo.commonDir, `${this.ref}.lock`), this.deps);
  }

  /** The branch tip (see tipCommit). */
  async tip(): Promise<string | null> {
    return (await this.tipCommit())?.oid ?? null;
  }

  /**
   * The branch tip and its tree, read afresh: from the loose ref file and object when they are there
   * (see readLooseRef), else through the long-lived cat-file, which resolves refs anew on every read.
   */
  async tipCommit(): Promise<Tip | null> {
    const known = readLooseRef(this.repo.commonDir, this.ref, this.repo.objectFormat) ?? this.packedTip();
    const obj = known ? await this.object(known) : await this.cat.read(this.ref);
    if (!obj) return null;
    if (obj.type !== 'commit') throw new InternalError(`${this.ref} does not point to a commit`);
    return { oid: obj.oid, tree: parseCommitHeader(obj.content).tree };
  }

  /** The branch's value in packed-refs when git's files are read in process (else null: ask git). */
  private packedTip(): string | null {
    if (!this.packedRefs) return null;
    const oid = readPackedRef(this.repo.commonDir, this.ref);
    return oid && oid.length === this.zeroOid.length ? oid : null;
  }

  /**
   * An object by id. With no cat-file running (an `add`, see ./probe.ts), from its loose file when there
   * is one: starting git would cost more. With one running, a round trip to it costs less than loading
   * zlib to read the file.
   */
  private async object(oid: string): Promise<GitObject | null> {
    const loose = this.cat.running ? null : readLooseObject(this.repo.objectsDir, oid);
    return loose ? { oid, ...loose } : this.cat.read(oid);
  }

  /** The first parent of a commit (null for a root, or when the commit cannot be read). */
  async firstParent(commit: string): Promise<string | null> {
    const obj = await this.object(commit);
    return obj && obj.type === 'commit' ? (parseCommitHeader(obj.content).parents[0] ?? null) : null;
  }

  async treeOf(commit: string): Promise<string> {
    const obj = /^[0-9a-f]+$/.test(commit) ? await this.object(commit) : await this.cat.read(commit);
    if (!obj || obj.type !== 'commit') throw new InternalError(`not a commit: ${commit}`);
    return parseCommitHeader(obj.content).tree;
  }

  /**
   * A tree's items. Trees are named by their content, so a parsed tree can be kept as long as the
   * store is open without ever going stale: appends read the same few trees on the path to the newest
   * shard again and again (a long-lived front end such as the MCP server gains most).
   */
  async readTree(oid: string): Promise<TreeItem[]> {
    const cached = this.trees.get(oid);
    if (cached) return [...cached];
    const obj = await this.object(oid);
    if (!obj || obj.type !== 'tree') throw new InternalError(`not a tree: ${oid}`);
    const items = parseTree(obj.content, this.repo.objectFormat);
    this.remember(oid, items);
    return [...items];
  }

  private remember(oid: string, items: TreeItem[]): void {
    if (this.trees.size >= TREE_CACHE) this.trees.delete(this.trees.keys().next().value!);
    this.trees.set(oid, items);
  }

  /** Write a tree and keep it parsed: the next append reads the trees this one wrote. */
  private newTree(items: readonly TreeItem[]): string {
    const sorted = sortTreeItems(items);
    const oid = this.writer.tree(sorted);
    this.remember(oid, sorted);
    return oid;
  }

  /** The tree or blob at `path` under `tree`, or null. */
  /**
   * The tree at `path` in commit `commit`, or null. With cat-file running, one read (`<commit>:<path>`:
   * git walks the path) instead of one per level; without, from the trees on the way.
   */
  async treeAt(commit: string, path: string): Promise<{ oid: string; items: TreeItem[] } | null> {
    if (!this.cat.running) {
      const item = await this.lookup(await this.treeOf(commit), path);
      return item && item.mode === '40000' ? { oid: item.oid, items: await this.readTree(item.oid) } : null;
    }
    const obj = await this.cat.read(`${commit}:${path}`);
    if (!obj || obj.type !== 'tree') return null;
    const items = this.trees.get(obj.oid) ?? parseTree(obj.content, this.repo.objectFormat);
    this.remember(obj.oid, items);
    return { oid: obj.oid, items: [...items] };
  }

  async lookup(tree: string, path: string): Promise<TreeItem | null> {
    let current: TreeItem = { mode: '40000', name: '', oid: tree };
    for (const seg of path.split('/').filter(Boolean)) {
      if (current.mode !== '40000') return null;
      const found: TreeItem | undefined = (await this.readTree(current.oid)).find((i) => i.name === seg);
      if (!found) return null;
      current = found;
    }
    return current;
  }

  async readBlob(oid: string): Promise<Buffer | null> {
    const obj = await this.cat.read(oid);
    return obj && obj.type === 'blob' ? obj.content : null;
  }

  /**
   * Write a tree of entries that are already objects (a merge of two histories). Trees add no new
   * file content, so they need no screening; blobs only ever come in through commit().
   */
  writeTree(items: readonly TreeItem[]): string {
    return this.newTree(items);
  }

  /** Write a commit over existing trees (a merge), its message and identity screened like any change. */
  writeCommit(c: CommitFields): string {
    const { change } = screenChange({ add: [], message: c.message, author: { name: c.author.name, email: c.author.email } });
    const author = { ...c.author, ...change.author };
    const committer = { ...c.committer, name: change.author.name, email: change.author.email };
    return this.writer.commit({ ...c, message: change.message, author, committer });
  }

  /** The deterministic root commit: same tree, identity and date everywhere, hence the same id. */
  rootCommit(): string {
    return this.rootObjects((type, content) => this.writer.write(type, content));
  }

  /** The root commit's id, computed without writing anything. */
  rootCommitId(): string {
    return this.rootObjects((type, content) => hashObject(this.repo.objectFormat, type, content));
  }

  private rootObjects(put: (type: 'blob' | 'tree' | 'commit', content: Buffer) => string): string {
    const readme = put('blob', Buffer.from(BRANCH_README, 'utf8'));
    const format = put('blob', Buffer.from(`${ROOT_FORMAT}\n`, 'utf8'));
    const tree = put(
      'tree',
      formatTree([
        { mode: '100644', name: '.ctx-format', oid: format },
        { mode: '100644', name: 'README.md', oid: readme },
      ]),
    );
    const sig = { name: ROOT_IDENTITY.name, email: ROOT_IDENTITY.email, time: ROOT_IDENTITY.time };
    return put('commit', Buffer.from(formatCommit({ tree, parents: [], author: sig, committer: sig, message: 'git-ctx: start the context branch\n' }), 'utf8'));
  }

  /** Create the branch at the root commit if it does not exist. Returns the tip and whether it was created. */
  async ensureBranch(): Promise<{ tip: string; created: boolean }> {
    await this.guard.check();
    const watch = new RefLockWatch(this.ref, this.deps.now);
    for (;;) {
      const tip = await this.tipCommit();
      if (tip) {
        await this.guard.checkTip(tip);
        return { tip: tip.oid, created: false };
      }
      const root = this.rootCommit();
      const cas = await compareAndSwapRef(this.repo.git, { ref: this.ref, newOid: root, oldOid: null, zeroOid: this.zeroOid, message: 'git-ctx: init' });
      if (cas.ok) {
        this.guard.landed(root, null);
        return { tip: root, created: true };
      }
      if (cas.reason === 'locked') watch.locked(cas.lockFile);
      await this.deps.sleep(2);
    }
  }

  /**
   * The advisory writer lock for this branch (taking turns; correctness still comes from the CAS).
   * Null when it could not be had in time: go ahead anyway.
   */
  writerLock(stop?: () => boolean): Promise<HeldLock | null> {
    return acquireLock(join(this.privateDir, 'locks', `${this.safeBranch}.lock`), this.deps, LOCK_WAIT_MS, stop);
  }

  /** The branch name as one file name (for git-ctx's private files). */
  get safeBranch(): string {
    return this.branch.replace(/[^\w.-]/g, '_');
  }

  /**
   * Commit one change on top of the current tip; it lands (is on the branch) before this returns.
   * Concurrent writers group-commit (./group-commit.ts): the change is queued, and whichever writer
   * holds the lock lands every queued change, one commit each, with one compare-and-swap; a lost CAS
   * rebuilds them all on the new tip. createOnly writes are checked against the exact parent each
   * commit is built on, so exactly one of several concurrent createOnly writes of one path wins.
   */
  async commit(input: Change): Promise<CommitResult> {
    // Refused before anything is written, blobs included. No await when nothing is to be waited for
    // (see BranchGuard.check): writers starting together queue together.
    const checking = this.guard.check();
    if (checking) await checking;
    const { change, redactions } = input.allowSecrets ? { change: input, redactions: [] } : screenChange(input);
    // Blobs do not depend on the tip: write them before queueing for the lock.
    const prepared = this.prepare(change);
    const queue = new CommitQueue(join(this.privateDir, 'queue', this.safeBranch), this.deps);
    const r = await groupCommit(queue, this.branchForGroupCommit(), prepared, this.deps);
    if ('error' in r) throw new CtxError('E_COMMIT', 1, `could not commit: ${r.error}`);
    return { ...r, redactions };
  }

  /** The branch as group commit lands on it: read and checked, built on, moved by compare-and-swap. */
  private branchForGroupCommit(): Branch {
    return {
      ref: this.ref,
      tip: async () => {
        const tip = await this.tipCommit();
        // Another process may have moved the branch since (a reset, a fetch into it): check what is there now.
        if (tip) await this.guard.checkTip(tip);
        return tip;
      },
      build: (change, current) => this.buildOn(change, current),
      move: ({ newOid, oldOid, subject }) => {
        const update = { ref: this.ref, newOid, oldOid, zeroOid: this.zeroOid };
        const message = `git-ctx: ${subject}`;
        // In process where git's files allow it (no process at all: git/ref-files.ts, whose locks a
        // later writer can tell from git's when this process is killed holding one); else the
        // long-lived update-ref of a process that writes often, else one update-ref.
        const done = this.refFiles?.cas({ ...update, message });
        if (done) return Promise.resolve(done);
        return this.updater ? this.updater.cas(update) : compareAndSwapRef(this.repo.git, { ...update, message });
      },
      moved: (newOid, oldOid) => this.guard.landed(newOid, oldOid),
      lock: (stop) => this.writerLock(stop),
    };
  }

  /**
   * The commit a change makes on top of `parent`, screened like commit() but landed nowhere: for a
   * commit that must first be accepted elsewhere (a claim pushed to a remote, whose refusal of a
   * non-fast-forward is the compare-and-swap that decides). `commit` is null, and `existing` lists
   * them, when createOnly paths already exist at `parent`.
   */
  async build(input: Change, parent: string): Promise<{ commit: string | null; existing: string[]; redactions: Redaction[] }> {
    this.guard.checkPlace();
    const base = { oid: parent, tree: await this.treeOf(parent) };
    await this.guard.checkTip(base);
    const { change, redactions } = input.allowSecrets ? { change: input, redactions: [] } : screenChange(input);
    const built = await this.buildOn(this.prepare(change), base);
    return { commit: built.existing.length ? null : built.commit, existing: built.existing, redactions };
  }

  /** Write a (screened) change's blobs: what is left to do depends on the tip only. */
  private prepare(change: Change): PreparedChange {
    return {
      message: change.message,
      author: change.author,
      files: change.add.map((f) => ({ path: f.path, oid: this.writer.blob(f.content), ...(f.createOnly ? { createOnly: true } : {}), ...(f.expect !== undefined ? { expect: f.expect } : {}) })),
      remove: [...(change.remove ?? [])],
    };
  }

  /**
   * The commit of one change on top of `current` (the root commit when null). `next` is the new tip,
   * or null when nothing was committed: a createOnly path exists already with other content, or an
   * `expect` path holds another blob (`existing` lists them; the change is refused whole), or the change is on the branch already, byte
   * for byte (a holder of the lock was killed before answering its writer), in which case `commit` is
   * `current`. A createOnly file already there with the same bytes is taken for the writer's own:
   * writers of createOnly files make their bytes unique (an entry holds its id, a claim a random token).
   */
  private async buildOn(change: PreparedChange, current: Tip | null): Promise<Built> {
    const parent = current?.oid ?? this.rootCommit();
    const baseTree = current ? current.tree : await this.treeOf(parent);
    const existing: string[] = [];
    let present = change.files.length + change.remove.length > 0;
    for (const f of change.files) {
      const at = await this.lookup(baseTree, f.path);
      if (at?.oid !== f.oid) present = false;
      if (f.createOnly && at && at.oid !== f.oid) existing.push(f.path);
      else if (f.expect !== undefined && at?.oid !== f.expect && at?.oid !== f.oid) existing.push(f.path);
    }
    if (existing.length) return { parent, commit: parent, next: null, existing };
    for (const path of change.remove) if (present && (await this.lookup(baseTree, path))) present = false;
    if (present) return { parent, commit: parent, next: null, existing };
    const edits = new Map<string, string | null>();
    for (const path of change.remove) edits.set(path, null);
    for (const f of change.files) edits.set(f.path, f.oid);
    const tree = (await this.editTree(baseTree, edits)) ?? this.writer.tree([]);
    const sig = { ...change.author, time: Math.floor(this.deps.now() / 1000) };
    const commit = this.writer.commit({ tree, parents: [parent], author: sig, committer: sig, message: change.message });
    return { parent, commit, next: { oid: commit, tree }, existing };
  }

  /**
   * Apply path edits (blob id, or null to delete) to a tree, rewriting only the trees on edited paths.
   * Returns null when the result is empty (empty subtrees are dropped, as git does).
   */
  async editTree(tree: string | null, edits: Map<string, string | null>): Promise<string | null> {
    const items = new Map<string, TreeItem>();
    if (tree) for (const item of await this.readTree(tree)) items.set(item.name, item);
    const nested = new Map<string, Map<string, string | null>>();
    for (const [path, oid] of edits) {
      const slash = path.indexOf('/');
      if (slash < 0) {
        if (oid === null) items.delete(path);
        else items.set(path, { mode: '100644', name: path, oid });
        continue;
      }
      const head = path.slice(0, slash);
      if (!nested.has(head)) nested.set(head, new Map());
      nested.get(head)!.set(path.slice(slash + 1), oid);
    }
    const children = await Promise.all(
      [...nested].map(async ([name, sub]) => {
        const existing = items.get(name);
        return [name, await this.editTree(existing?.mode === '40000' ? existing.oid : null, sub)] as const;
      }),
    );
    for (const [name, oid] of children) {
      if (oid === null) items.delete(name);
      else items.set(name, { mode: '40000', name, oid });
    }
    if (items.size === 0) return null;
    return this.newTree([...items.values()]);
  }

  /**
   * Entry files under `entries/`, newest first, read lazily: listing the newest 20 of 100k reads six
   * trees. `fromDay`/`toDay` ("YYYY/MM/DD") prune whole shards.
   */
  async *walkEntries(tip: string, bounds: { from?: string; to?: string } = {}): AsyncGenerator<TreeItem & { path: string }> {
    const entries = await this.treeAt(tip, 'entries');
    if (!entries) return;
    const readTree = (oid: string) => this.readTree(oid);
    async function* walk(tree: string, prefix: string, depth: number): AsyncGenerator<TreeItem & { path: string }> {
      const items = (await readTree(tree)).sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
      for (const item of items) {
        const path = `${prefix}/${item.name}`;
        if (depth < 4) {
          if (item.mode !== '40000') continue;
          const key = path.slice('entries/'.length); // "YYYY", "YYYY/MM", ...
          if (bounds.to && key > bounds.to.slice(0, key.length)) continue;
          if (bounds.from && key < bounds.from.slice(0, key.length)) return;
          yield* walk(item.oid, path, depth + 1);
        } else if (item.mode !== '40000' && item.name.endsWith('.md')) {
          yield { ...item, path };
        }
      }
    }
    yield* walk(entries.oid, 'entries', 0);
  }

  /**
   * For a process that writes many times (the MCP server), where the branch cannot move in process:
   * move it through one long-lived `git update-ref --stdin` (a transaction per write, the same compare-and-swap) instead of starting
   * git for every write. Its reflog entries all read `git-ctx: <label>`. Closed with the store.
   */
  keepRefUpdater(label: string): void {
    this.updater ??= new RefUpdater(this.repo.git, label);
  }

  close(): void {
    this.cat.close();
    this.updater?.close();
  }
}
