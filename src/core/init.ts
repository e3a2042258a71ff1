/**
 * init: create the context branch (an orphan whose root commit is the same in every clone) if missing.
 * Idempotent. Sync and hook set-up are separate steps layered on this one.
 */
import type { Ctx } from './context.js';
import { splitNul } from '../git/run.js';

export interface InitResult {
  branch: string;
  ref: string;
  tip: string;
  created: boolean;
  /** Worktrees that have the context branch checked out (git-ctx moves it underneath them). */
  checkedOutIn: string[];
  warnings: string[];
}

/** Worktrees whose HEAD is the context branch. */
export async function worktreesOnBranch(ctx: Ctx): Promise<string[]> {
  const { stdout } = await ctx.repo.git.run(['worktree', 'list', '--porcelain', '-z'], { okStatus: [0, 128] });
  const out: string[] = [];
  let path = '';
  for (const field of splitNul(stdout)) {
    if (field.startsWith('worktree ')) path = field.slice(9);
    else if (field === `branch ${ctx.store.ref}`) out.push(path);
  }
  return out;
}

export async function initContext(ctx: Ctx): Promise<InitResult> {
  const { tip, created } = await ctx.store.ensureBranch();
  const checkedOutIn = await worktreesOnBranch(ctx);
  const warnings = checkedOutIn.map(
    (w) => `the ${ctx.store.branch} branch is checked out in ${w}; git-ctx moves it with every write, so that worktree will look modified. Switch it to another branch.`,
  );
  return { branch: ctx.store.branch, ref: ctx.store.ref, tip, created, checkedOutIn, warnings };
}
