import type { Command } from 'commander';
import { common, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { showEntry } from '../../core/entries/show.js';
import { showJson } from '../../results/json.js';
import { entryFull } from '../format.js';

export function register(program: Command, io: CliIO): void {
  common(program.command('show'))
    .argument('<id>', 'entry id or unique prefix')
    .action((id: string, opts: CommonOpts) =>
      withCtx(io, opts, async (ctx, out) => {
        const r = await showEntry(ctx, { id });
        out.result(showJson(r));
        out.text(entryFull(out, r.entry));
      }, { needsContext: true }),
    );
}
