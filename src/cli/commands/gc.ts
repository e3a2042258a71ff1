import type { Command } from 'commander';
import { common, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { gc } from '../../core/gc.js';
import { safe } from '../output.js';

export function register(program: Command, io: CliIO): void {
  common(program.command('gc'))
    .option('--older-than <when>', 'the window (7d, 36h, 2w, a date)', '7d')
    .option('--dry-run', 'list what would be removed, remove nothing')
    .action((opts: CommonOpts & { olderThan: string; dryRun?: boolean }) =>
      withCtx(io, opts, async (ctx, out) => {
        const r = await gc(ctx, opts);
        for (const w of r.warnings) io.deps.stderr(`git-ctx: warning: ${safe(w, false)}\n`);
        out.result({ cutoff: r.cutoff, dryRun: r.dryRun, removed: r.removed, stateFiles: r.stateFiles, kept: r.kept, commit: r.commit, remote: r.remote, warnings: r.warnings });
        const h = r.removed.filter((x) => x.kind === 'handoff').length;
        const t = r.removed.filter((x) => x.kind === 'task').length;
        const m = r.removed.length - h - t;
        out.text(`${r.dryRun ? 'Would remove' : 'Removed'} ${h} consumed handoff${h === 1 ? '' : 's'}, ${m} read message${m === 1 ? '' : 's'}, ${t} done task${t === 1 ? '' : 's'} and ${r.stateFiles.length} state file${r.stateFiles.length === 1 ? '' : 's'} from before ${r.cutoff}.`);
        for (const x of r.removed) out.text(`  ${x.id} ${x.kind} ${safe(x.title, false)}`);
        out.text(`Kept ${r.kept.unconsumed} unconsumed handoffs, ${r.kept.unread} unread messages, ${r.kept.recent} within the window.`);
        if (r.remote && (r.remote.clones.length || r.remote.claims.length)) {
          const c = r.remote.clones.length;
          const k = r.remote.claims.length;
          out.text(`${r.dryRun ? 'Would fold' : 'Folded'} into ${safe(r.remote.remote, false)}'s branch and ${r.dryRun ? 'remove' : 'removed'} the refs of ${c} silent clone${c === 1 ? '' : 's'} and ${k} old claim${k === 1 ? '' : 's'}.`);
        }
      }),
    );
}
