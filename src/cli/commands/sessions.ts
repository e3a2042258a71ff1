import type { Command } from 'commander';
import { common, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { listSessions } from '../../core/brief/sessions.js';
import { safe } from '../output.js';

export function register(program: Command, io: CliIO): void {
  common(program.command('sessions'))
    .option('--since <when>', 'how far back to look for sessions (7d, 36h, a date)', '7d')
    .action((opts: CommonOpts & { since: string }) =>
      withCtx(io, opts, async (ctx, out) => {
        const r = await listSessions(ctx, opts);
        out.result({ since: r.since, worktrees: r.worktrees, sessions: r.sessions });
        out.text('Worktrees:');
        for (const w of r.worktrees) {
          out.text(`  ${safe(w.path, false)}  ${w.branch ? safe(w.branch, false) : w.bare ? '(bare)' : '(detached)'}  ${w.head?.slice(0, 12) ?? ''}${w.sessions.length ? `  sessions: ${w.sessions.map((s) => safe(s, false)).join(', ')}` : ''}`);
        }
        out.text(`Sessions seen since ${r.since.slice(0, 16)}Z:`);
        if (!r.sessions.length) out.text('  (none)');
        for (const s of r.sessions) {
          out.text(`  ${safe(s.session, false)}  ${safe(s.agent, false)}  ${s.lastActivity.replace('T', ' ').slice(0, 16)}  ${s.branch ? safe(s.branch, false) : '-'}  ${safe(s.lastWrite, false)}`);
          for (const c of s.claimed) out.text(`      holds task ${c.id}${c.stale ? ' (silent: can be taken over)' : ''}  ${safe(c.title, false)}`);
        }
      }),
    );
}
