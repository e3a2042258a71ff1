import type { Command } from 'commander';
import { common, intOption, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { brief, DEFAULT_BUDGET } from '../../core/brief/brief.js';
import { briefJson } from '../../results/json.js';

export function register(program: Command, io: CliIO): void {
  common(program.command('brief'))
    .option('--budget <tokens>', 'the most tokens to print', intOption, DEFAULT_BUDGET)
    .action((opts: CommonOpts & { budget: number }) =>
      withCtx(io, opts, async (ctx, out) => {
        const r = await brief(ctx, opts);
        out.result(briefJson(r));
        out.text(r.text);
      }),
    );
}
