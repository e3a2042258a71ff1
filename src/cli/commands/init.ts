import type { Command } from 'commander';
import { common, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { initContext } from '../../core/init.js';
import { syncJson, renderSync } from '../sync-render.js';
import { renderHooks } from '../hooks-render.js';
import { UsageError } from '../../errors.js';

interface InitOpts extends CommonOpts {
  remote?: string;
  hooks?: boolean;
  uninstall?: boolean;
}

export function registerInit(program: Command, io: CliIO): void {
  common(program.command('init'))
    .description('create the context branch (or adopt the remote one), configure sync, install git hooks (idempotent)')
    .option('--remote <remote>', 'store it as ctx.remote and adopt its context branch if it has one')
    .option('--hooks', 'install the git hooks (pre-push, post-merge, post-rewrite)')
    .option('--uninstall', 'with --hooks: remove the git hooks git-ctx installed')
    .action((opts: InitOpts) =>
      withCtx(io, opts, async (ctx, out) => {
        if (opts.uninstall && !opts.hooks) throw new UsageError('--uninstall goes with --hooks');
        const hooksOp = opts.hooks ? await import('../../hooks/install.js') : null;
        if (hooksOp && opts.uninstall) {
          const hooks = await hooksOp.uninstallGitHooks(ctx);
          out.result({ hooks });
          return renderHooks(out, hooks, true);
        }
        const remote = opts.remote ? await (await import('../../core/sync.js')).initRemote(ctx, opts.remote) : null;
        const r = await initContext(ctx);
        const hooks = hooksOp ? await hooksOp.installGitHooks(ctx) : null;
        for (const w of [...r.warnings, ...(hooks?.warnings ?? [])]) io.deps.stderr(`git-ctx: warning: ${w}\n`);
        out.result({ branch: r.branch, ref: r.ref, tip: r.tip, created: r.created, warnings: r.warnings, remote: remote && syncJson(remote.pull), hooks });
        out.text(r.created ? `Created ${r.ref} at ${r.tip.slice(0, 12)}.` : `${r.ref} is at ${r.tip.slice(0, 12)}.`);
        if (remote) renderSync(out, remote.pull);
        if (hooks) renderHooks(out, hooks, false);
      }),
    );
}
