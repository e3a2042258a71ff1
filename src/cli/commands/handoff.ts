import { resolve } from 'node:path';
import type { Command } from 'commander';
import { collect, allowSecretsOption, common, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { readBody } from './add.js';
import { writeHandoff } from '../../core/mailbox/handoff.js';
import { handoffJson } from '../../results/json.js';

interface HandoffOpts extends CommonOpts {
  allowSecrets?: boolean;
  message?: string[];
  file?: string;
  title?: string;
  todo?: string[];
  decision?: string[];
  auto?: boolean;
  to?: string;
  testLog?: string[];
}

export function register(program: Command, io: CliIO): void {
  allowSecretsOption(common(program.command('handoff')))
    .option('-m, --message <summary>', 'the Summary (repeat for paragraphs)', collect)
    .option('-F, --file <file>', 'a whole handoff document, split on its section headings (- for stdin)')
    .option('-t, --title <title>', 'one-line title (default: the first line of the Summary)')
    .option('--todo <text>', 'an item of What still needs work (repeatable)', collect)
    .option('--decision <text>', 'an item of Key decisions (repeatable)', collect)
    .option('--auto', 'fill in what git knows: commits, diffstat, uncommitted files, added TODO/FIXME lines, branch state')
    .option('--to <who>', 'for a session, an agent, or all (default)')
    .option('--test-log <file>', 'a test log whose failures need work (repeatable)', collect)
    .action((opts: HandoffOpts) =>
      withCtx(io, opts, async (ctx, out) => {
        // Stdin is read only when asked for, or when nothing else gives text: hooks often pipe unrelated JSON.
        const text = opts.file || (!opts.message?.length && !opts.auto) ? await readBody(io, undefined, opts.file) : undefined;
        const testLogs = (opts.testLog ?? []).map((f) => resolve(io.deps.cwd, f));
        const r = await writeHandoff(ctx, { ...opts, summary: opts.message?.join('\n\n'), text, decisions: opts.decision, testLogs });
        out.result(handoffJson(r));
        out.text(r.entry.id);
      }),
    );
}
