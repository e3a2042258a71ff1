import type { Command } from 'commander';
import { common, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { initContext } from '../../core/init.js';
import { syncJson, renderSync } from '../sync-render.js';

interface InitOpts extends CommonOpts {
  remote?: string;
}

export function registerInit(program: Command, io: CliIO): void {
  common(program.command('init'))
    .description('create the context branch (or adopt the remote one), configure sync (idempotent)')
    .option('--remote <remote>', 'store it as ctx.remote and adopt its context branch if it has one')
    .action((opts: InitOpts) =>
      withCtx(io, opts, async (ctx, out) => {
        const remote = opts.remote ? await (await import('../../core/sync.js')).initRemote(ctx, opts.remote) : null;
        const r = await initContext(ctx);
        for (const w of r.warnings) io.deps.stderr(`git-ctx: warning: ${w}\n`);
        out.result({ branch: r.branch, ref: r.ref, tip: r.tip, created: r.created, warnings: r.warnings, remote: remote && syncJson(remote.pull) });
        out.text(r.created ? `Created ${r.ref} at ${r.tip.slice(0, 12)}.` : `${r.ref} is at ${r.tip.slice(0, 12)}.`);
        if (remote) renderSync(out, remote.pull);
      }),
    );
}
