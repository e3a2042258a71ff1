import type { Command } from 'commander';
import { common, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { publishWorkInProgress } from '../../core/publish.js';
import { publishJson, publishText } from '../conflicts-render.js';

export function register(program: Command, io: CliIO): void {
  common(program.command('publish'))
    .action((opts: CommonOpts) =>
      withCtx(io, opts, async (ctx, out) => {
        const r = await publishWorkInProgress(ctx, { agent: opts.agent, session: opts.session });
        out.result(publishJson(r));
        out.text(publishText(r));
      }),
    );
}
