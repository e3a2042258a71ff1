/**
 * The shared front of `push`, `pull` and `sync`: the same flags, the same JSON shape and the same
 * sentences; only the action differs.
 */
import type { Command } from 'commander';
import { common, withCtx, type CliIO, type CommonOpts } from './io.js';
import type { SyncAction, SyncPublished, SyncResult } from '../core/sync/sync.js';
import type { Output } from './output.js';
import { safe } from './output.js';
import { UsageError } from '../errors.js';

/** The JSON of push/pull/sync (its own type: fields may be added, never renamed). */
export interface SyncJson {
  action: SyncAction;
  remote: string;
  branch: string;
  received: number;
  sent: number;
  localBefore: string | null;
  localTip: string | null;
  remoteBefore: string | null;
  remoteTip: string | null;
  merge: string;
  createdRemote: boolean;
  keptBoth: string[];
  attempts: number;
  deepened: boolean;
  /** push and sync: the work in progress published first (null: pull, or nothing to publish). */
  published: SyncPublished | null;
  warnings: string[];
  /** `clones`: this clone pushes its own ref; `branch`: the remote takes only branches, so the shared one. */
  layout: string;
  /** This clone's ref on the remote (null: pull, or the shared-branch layout). */
  cloneRef: string | null;
  /** The remote's branch (the merged view) now holds this clone's tip. */
  viewUpdated: boolean;
  /** The remote's history had been rewritten: what this sync did about it (--adopt-rewrite, --restore-rewrite). */
  rewrite: { choice: string; removed: string[]; changed: string[] } | null;
}

export function syncJson(r: SyncResult): SyncJson {
  const { action, remote, branch, received, sent, localBefore, localTip, remoteBefore, remoteTip, merge, createdRemote, keptBoth, attempts, deepened, warnings } = r;
  const published = r.published && { ...r.published };
  const { layout, cloneRef, viewUpdated, rewrite } = r;
  return { action, remote, branch, received, sent, localBefore, localTip, remoteBefore, remoteTip, merge, createdRemote, keptBoth, attempts, deepened, published, warnings, layout, cloneRef, viewUpdated, rewrite };
}

function entries(n: number): string {
  return n === 1 ? '1 entry' : `${n} entries`;
}

export function renderSync(out: Output, r: SyncResult): void {
  const remote = safe(r.remote, false);
  if (r.rewrite) {
    const n = r.rewrite.removed.length;
    out.text(
      r.rewrite.choice === 'adopt'
        ? `Adopted the rewritten history of ${remote}: removed ${n === 1 ? '1 entry' : `${n} entries`} it had removed; what only this clone had is kept.`
        : `Restored on ${remote} what its rewritten history had removed (${n === 1 ? '1 entry' : `${n} entries`}).`,
    );
  }
  if (r.remoteBefore === null && r.remoteTip === null && r.action === 'pull' && r.merge === 'none') {
    out.text(`${remote} has no ${r.branch} branch yet; publish yours with: git ctx push ${remote}`);
    return;
  }
  const lines: string[] = [];
  if (r.received) lines.push(`Received ${entries(r.received)} from ${remote} (${r.merge}).`);
  if (r.action !== 'pull') {
    if (r.createdRemote) lines.push(`Created ${r.branch} on ${remote} with ${entries(r.sent)}.`);
    else if (r.sent) lines.push(`Sent ${entries(r.sent)} to ${remote}.`);
  }
  if (!lines.length) lines.push(`${r.branch} is up to date with ${remote}.`);
  if (r.published?.commit) lines.push(`Published the work in progress of this worktree (${r.published.files === 1 ? '1 changed file' : `${r.published.files} changed files`}).`);
  if (r.keptBoth.length) lines.push(`Kept both versions of ${r.keptBoth.length === 1 ? '1 file' : `${r.keptBoth.length} files`} changed on both sides: ${r.keptBoth.map((p) => safe(p, false)).join(', ')}`);
  out.text(lines.join('\n'));
}

export function registerSyncVerb(program: Command, io: CliIO, action: SyncAction): void {
  common(program.command(action))
    .argument('[remote]', 'remote name, URL or path (default: ctx.remote, the upstream remote, origin)')
    .option('--adopt-rewrite', "the remote's history was rewritten: take it (what it removed goes here too)")
    .option('--restore-rewrite', 'the remote\'s history was rewritten: put back what it removed')
    .action((remote: string | undefined, opts: CommonOpts & { adoptRewrite?: boolean; restoreRewrite?: boolean }) =>
      withCtx(io, opts, async (ctx, out) => {
        if (opts.adoptRewrite && opts.restoreRewrite) throw new UsageError('--adopt-rewrite and --restore-rewrite exclude each other');
        const { syncContext } = await import('../core/sync/sync.js');
        const rewrite = opts.adoptRewrite ? 'adopt' : opts.restoreRewrite ? 'restore' : undefined;
        const r = await syncContext(ctx, { action, remote, agent: opts.agent, session: opts.session, rewrite });
        for (const w of r.warnings) io.deps.stderr(`git-ctx: warning: ${safe(w, false)}\n`);
        out.result({ ...syncJson(r) });
        renderSync(out, r);
      }),
    );
}
