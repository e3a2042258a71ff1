/**
 * The shared front of `push`, `pull` and `sync`: the same flags, the same JSON shape and the same
 * sentences; only the action differs.
 */
import type { Command } from 'commander';
import { common, withCtx, type CliIO, type CommonOpts } from './io.js';
import type { SyncAction, SyncPublished, SyncResult } from '../core/sync.js';
import type { Output } from './output.js';
import { safe } from './output.js';

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
}

export function syncJson(r: SyncResult): SyncJson {
  const { action, remote, branch, received, sent, localBefore, localTip, remoteBefore, remoteTip, merge, createdRemote, keptBoth, attempts, deepened, warnings } = r;
  const published = r.published && { ...r.published };
  return { action, remote, branch, received, sent, localBefore, localTip, remoteBefore, remoteTip, merge, createdRemote, keptBoth, attempts, deepened, published, warnings };
}

function entries(n: number): string {
  return n === 1 ? '1 entry' : `${n} entries`;
}

export function renderSync(out: Output, r: SyncResult): void {
  const remote = safe(r.remote, false);
  if (r.remoteBefore === null && r.action === 'pull') {
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
    .action((remote: string | undefined, opts: CommonOpts) =>
      withCtx(io, opts, async (ctx, out) => {
        const { syncContext } = await import('../core/sync.js');
        const r = await syncContext(ctx, { action, remote, agent: opts.agent, session: opts.session });
        for (const w of r.warnings) io.deps.stderr(`git-ctx: warning: ${safe(w, false)}\n`);
        out.result({ ...syncJson(r) });
        renderSync(out, r);
      }),
    );
}
