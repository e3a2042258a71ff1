import type { Command } from 'commander';
import { common, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { initContext } from '../../core/init.js';

export function registerInit(program: Command, io: CliIO): void {
  common(program.command('init'))
    .description('create the context branch (idempotent)')
    .action((opts: CommonOpts) =>
      withCtx(io, opts, async (ctx, out) => {
        const r = await initContext(ctx);
        for (const w of r.warnings) io.deps.stderr(`git-ctx: warning: ${w}\n`);
        out.result({ branch: r.branch, ref: r.ref, tip: r.tip, created: r.created, warnings: r.warnings });
        out.text(r.created ? `Created ${r.ref} at ${r.tip.slice(0, 12)}.` : `${r.ref} already exists at ${r.tip.slice(0, 12)}.`);
      }),
    );
}
