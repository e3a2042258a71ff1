import type { Command } from 'commander';
import { common, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { publishWorkInProgress } from '../../core/conflicts/publish.js';
import { publishText } from '../conflicts-render.js';
import { publishJson } from '../../results/conflicts.js';
import { CtxError } from '../../errors.js';

export function register(program: Command, io: CliIO): void {
  common(program.command('publish'))
    .action((opts: CommonOpts) =>
      withCtx(io, opts, async (ctx, out) => {
        try {
          const r = await publishWorkInProgress(ctx, { agent: opts.agent, session: opts.session });
          out.result(publishJson(r));
          out.text(publishText(r));
        } catch (e) {
          // Before the first commit there is no work to measure (and nothing is wrong): say so, exit 0.
          if (!(e instanceof CtxError && e.code === 'E_NO_COMMITS')) throw e;
          out.result({ key: null, session: null, path: null, commit: null, unchanged: true, files: 0, base: null, baseRef: null, snapshot: null, snapshotRef: null, record: null, reason: 'no commits yet' });
          out.text('Nothing to publish before the first commit.');
        }
      }),
    );
}
