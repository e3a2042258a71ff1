/**
 * init: create the context branch (an orphan whose root commit is the same in every clone) if missing.
 * Idempotent. Sync and hook set-up are separate steps layered on this one.
 */
import type { Ctx } from './context.js';

export interface InitResult {
  branch: string;
  ref: string;
  tip: string;
  created: boolean;
  /** Always empty: a context branch that a worktree has checked out is refused (kept for JSON readers). */
  checkedOutIn: string[];
  warnings: string[];
}

export async function initContext(ctx: Ctx): Promise<InitResult> {
  // Refuses (E_BRANCH_CHECKED_OUT, E_NOT_CONTEXT_BRANCH...) a branch git-ctx may not write: see store/branch-guard.ts.
  const { tip, created } = await ctx.store.ensureBranch();
  return { branch: ctx.store.branch, ref: ctx.store.ref, tip, created, checkedOutIn: [], warnings: [] };
}
