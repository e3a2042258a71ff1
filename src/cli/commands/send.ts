import type { Command } from 'commander';
import { allowSecretsOption, common, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { readBody } from './add.js';
import { sendMessage } from '../../core/mailbox/send.js';
import { sendJson } from '../../results/json.js';

export function register(program: Command, io: CliIO): void {
  allowSecretsOption(common(program.command('send')))
    .argument('[text...]', 'the message (default: stdin)')
    .option('--to <who>', 'a session id, an agent name, or all', 'all')
    .option('-t, --title <title>', 'one-line title (default: the first line of the text)')
    .action((text: string[], opts: CommonOpts & { to: string; title?: string; allowSecrets?: boolean }) =>
      withCtx(io, opts, async (ctx, out) => {
        const body = await readBody(io, text.length ? [text.join(' ')] : undefined, undefined);
        const r = await sendMessage(ctx, { ...opts, text: body });
        out.result(sendJson(r));
        out.text(r.entry.id);
      }),
    );
}
