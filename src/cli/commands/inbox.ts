import type { Command } from 'commander';
import { common, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { inbox } from '../../core/mailbox/inbox.js';
import { inboxJson } from '../../results/json.js';
import { fullItem } from '../../model/brief-layout.js';
import { safe } from '../output.js';

export function register(program: Command, io: CliIO): void {
  common(program.command('inbox'))
    .option('--all', 'include messages already read')
    .option('--mark-read', 'record that this session read the messages shown')
    .action((opts: CommonOpts & { all?: boolean; markRead?: boolean }) =>
      withCtx(io, opts, async (ctx, out) => {
        const r = await inbox(ctx, opts);
        out.result(inboxJson(r));
        if (!r.messages.length) out.text(`No ${opts.all ? '' : 'unread '}messages for ${safe(r.session, false)}.`);
        for (const m of r.messages) out.text(fullItem({ ...m.entry, detail: m.read ? '(read)' : undefined }));
        if (r.more) io.deps.stderr(`git-ctx: ${r.more} older messages not shown\n`);
        if (r.marked.length && !out.json) io.deps.stderr(`git-ctx: marked ${r.marked.length} message${r.marked.length === 1 ? '' : 's'} read\n`);
      }),
    );
}
