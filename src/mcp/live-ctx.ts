/**
 * The store of a long-lived front end (the MCP server): opened once, never stale.
 *
 * Opening the store reads git's files and starts the object reader (`git cat-file --batch`; also
 * `git config` where the files do not settle the settings, and `git rev-parse` where the environment
 * moves discovery), a few milliseconds that a warm server need not pay on every call. What can change
 * while it runs is re-read on every call:
 *
 * - the context branch tip, the index and everything on the branch: every read already goes through
 *   the long-lived `git cat-file --batch`, which resolves names afresh on each request, and the index
 *   cache is brought up to the tip it is asked about;
 * - HEAD and the checked-out branch (entries record them): HEAD through the same object reader, the
 *   branch name from this worktree's HEAD file;
 * - the settings (ctx.branch, user.name, ctx.maxBodyBytes...): the config files git reads are
 *   compared by size, modification time and inode on every call, and the store is opened anew when
 *   one changed (files pulled in with `include.path` are not watched).
 *
 * When something else goes wrong (the object reader died, HEAD is in a form we do not read), the
 * store is opened anew for the next call.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from '../deps.js';
import { openCtx, closeCtx, type Ctx } from '../core/context.js';
import { CtxError } from '../errors.js';
import { configBool } from '../git/config-files.js';
import { learnedSystemConfig } from '../git/system-config.js';

export interface Lease {
  ctx: Ctx;
  /** The call failed: if in git itself (the object reader may be gone), the next call opens the store anew. */
  failed(e: unknown): void;
  /** The call is over: a store opened anew meanwhile closes the old one once no call uses it. */
  release(): void;
}

/**
 * Calls run concurrently, so a store is closed only once no call uses it: a call that finds the store
 * stale opens a new one for itself and the calls after it, and the old one is closed when its last
 * call releases it.
 */
export class LiveCtx {
  private base: Ctx | null = null;
  private opening: Promise<Ctx> | null = null;
  private configStamp = '';
  private readonly users = new Map<Ctx, number>();
  private readonly retired = new Set<Ctx>();

  constructor(private readonly deps: Deps) {}

  /** The store for one call, as fresh as a newly opened one; release it when the call is over. */
  async acquire(): Promise<Lease> {
    const base = await this.current();
    this.users.set(base, (this.users.get(base) ?? 0) + 1);
    let ctx: Ctx = base;
    try {
      const head = await this.readHead(base);
      if (head) ctx = { ...base, repo: { ...base.repo, ...head } };
      else this.retire(base);
    } catch (e) {
      this.retire(base);
      this.release(base);
      throw e;
    }
    let released = false;
    return {
      ctx,
      failed: (e) => {
        if (!(e instanceof CtxError) || e.code === 'E_GIT') this.retire(base);
      },
      release: () => {
        if (released) return;
        released = true;
        this.release(base);
      },
    };
  }

  close(): void {
    for (const c of [this.base, ...this.retired]) closeCtx(c ?? undefined);
    this.base = null;
    this.retired.clear();
    this.users.clear();
  }

  private async current(): Promise<Ctx> {
    if (this.base && this.stamp(this.base) === this.configStamp) return this.base;
    if (this.base) this.retire(this.base);
    this.opening ??= (async () => {
      try {
        const ctx = await openCtx(this.deps);
        ctx.store.keepRefUpdater('mcp');
        this.base = ctx;
        this.configStamp = this.stamp(ctx);
        return ctx;
      } finally {
        this.opening = null;
      }
    })();
    return this.opening;
  }

  /** Stop handing this store out; it is closed once no call uses it. */
  private retire(ctx: Ctx): void {
    if (this.base === ctx) this.base = null;
    this.retired.add(ctx);
    if (!this.users.get(ctx)) this.closeRetired(ctx);
  }

  private release(ctx: Ctx): void {
    const left = (this.users.get(ctx) ?? 1) - 1;
    if (left > 0) this.users.set(ctx, left);
    else {
      this.users.delete(ctx);
      if (this.retired.has(ctx)) this.closeRetired(ctx);
    }
  }

  private closeRetired(ctx: Ctx): void {
    this.retired.delete(ctx);
    closeCtx(ctx);
  }

  /** HEAD as discovery would report it, or null when it is in a form read only by git itself. */
  private async readHead(ctx: Ctx): Promise<{ head: string | null; branch: string | null | undefined } | null> {
    let text: string;
    try {
      text = readFileSync(join(ctx.repo.gitDir, 'HEAD'), 'utf8').trim();
    } catch {
      return null;
    }
    const obj = await ctx.store.cat.read('HEAD');
    const head = obj && obj.type === 'commit' ? obj.oid : null;
    if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(text)) return head === text ? { head, branch: null } : null;
    const m = /^ref: refs\/heads\/(.+)$/.exec(text);
    // reftable keeps a placeholder here ("refs/heads/.invalid"): leave those to git.
    if (!m || m[1] === '.invalid') return null;
    // An unborn branch: discovery leaves the name unknown, and resolveIdentity asks git.
    return head ? { head, branch: m[1]! } : { head: null, branch: undefined };
  }

  /** Size, time and inode of every config file git reads for this repository. */
  private stamp(ctx: Ctx): string {
    const env = this.deps.env;
    const home = env.HOME ?? '';
    const files = [join(ctx.repo.commonDir, 'config'), join(ctx.repo.gitDir, 'config.worktree'), join(ctx.repo.commonDir, 'config.worktree')];
    if (env.GIT_CONFIG_GLOBAL) files.push(env.GIT_CONFIG_GLOBAL);
    else files.push(join(home, '.gitconfig'), join(env.XDG_CONFIG_HOME || join(home, '.config'), 'git', 'config'));
    // The system file git was built with, as learned from git (git/system-config.ts).
    if (configBool(env.GIT_CONFIG_NOSYSTEM ?? 'false') !== true) files.push(env.GIT_CONFIG_SYSTEM ?? learnedSystemConfig(env, this.deps.uid) ?? '/etc/gitconfig');
    return files
      .map((f) => {
        try {
          const st = statSync(f);
          return `${st.size}:${st.mtimeMs}:${st.ino}`;
        } catch {
          return '-';
        }
      })
      .join(' ');
  }
}
