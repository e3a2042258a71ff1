/**
 * What this worktree is working on, as git knows it: where its branch left its base, and which files it
 * changes since then. Shared by `handoff --auto` and `brief`.
 */
import type { Ctx } from './context.js';
import { changedSince, findBase } from '../git/worktree.js';

/** Where to look for the branch a worktree's branch left: `git config ctx.base`, else the usual names. */
export function baseCandidates(ctx: Ctx): string[] {
  const configured = ctx.config.get('ctx.base')?.trim();
  if (configured) return configured.startsWith('refs/') ? [configured] : [`refs/heads/${configured}`, `refs/remotes/${configured}`];
  return ['refs/remotes/origin/HEAD', 'refs/heads/main', 'refs/heads/master', 'refs/heads/trunk'];
}

export async function branchBase(ctx: Ctx, upstream: string | null = null): Promise<{ ref: string; commit: string } | null> {
  if (!ctx.repo.workTree || !ctx.repo.head) return null;
  return findBase(ctx.repo.git, { candidates: baseCandidates(ctx), branch: ctx.repo.branch ?? null, upstream });
}

/**
 * Tracked files this worktree changes relative to its base (committed or not). Compared by the index's
 * stat data, so a file only touched may be listed too: fine for choosing what is relevant to read.
 */
export async function changedFiles(ctx: Ctx): Promise<string[]> {
  if (!ctx.repo.workTree || !ctx.repo.head) return [];
  const base = await branchBase(ctx);
  return changedSince(ctx.repo.git, base?.commit ?? ctx.repo.head);
}
