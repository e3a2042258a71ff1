import type { Command } from 'commander';
import { common, intOption, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { logEntries } from '../../core/entries/log.js';
import { entryJson } from '../../results/json.js';
import { entryLine } from '../format.js';
import { KINDS } from '../../model/kinds.js';

interface LogOpts extends CommonOpts {
  number: number;
  kind?: string;
  topic?: string;
  tag?: string;
  ref?: string;
  since?: string;
  until?: string;
  // --agent and --session filter here (they name whose entries to list).
}

export function register(program: Command, io: CliIO): void {
  common(program.command('log'))
    .option('-n, --number <n>', 'how many (0 for all)', intOption, 20)
    .option('-k, --kind <kind>', `only this kind (${KINDS.join(', ')})`)
    .option('--topic <topic>', 'only this topic')
    .option('--tag <tag>', 'only entries with this tag')
    .option('--ref <path>', 'only entries about this path (or a path under it)')
    .option('--since <when>', 'only entries from this time on (2026-11-01, 36h, 7d, "2 weeks ago")')
    .option('--until <when>', 'only entries up to this time')
    .addHelpText('after', '\n--agent and --session filter by writer.')
    .action((opts: LogOpts) =>
      withCtx(io, opts, async (ctx, out) => {
        const r = await logEntries(ctx, { ...opts, limit: opts.number, bodies: !!opts.json });
        out.resultList({ entries: r.entries, more: r.more }, 'entries', entryJson);
        if (r.entries.length && !out.json) out.text(r.entries.map((e) => entryLine(out, e)).join('\n'));
        if (r.more && !out.json) io.deps.stderr(`git-ctx: more entries than shown; use -n N, or -n 0 for all\n`);
      }, { needsContext: true }),
    );
}
