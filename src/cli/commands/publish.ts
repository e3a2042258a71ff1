import type { Command } from 'commander';
import { common, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { publishWorkInProgress } from '../../core/publish.js';
import { publishJson, publishText } from '../conflicts-render.js';

export function registerPublish(program: Command, io: CliIO): void {
  common(program.command('publish'))
    .description("record this session's work in progress in the context, for conflict checks on other machines")
    .action((opts: CommonOpts) =>
      withCtx(io, opts, async (ctx, out) => {
        const r = await publishWorkInProgress(ctx, { agent: opts.agent, session: opts.session });
        out.result(publishJson(r));
        out.text(publishText(r));
      }),
    );
}
