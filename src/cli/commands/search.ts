import type { Command } from 'commander';
import { common, intOption, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { searchEntries } from '../../core/entries/search.js';
import { searchJson } from '../../results/json.js';
import { entryLine } from '../format.js';
import { safe } from '../output.js';

export function register(program: Command, io: CliIO): void {
  common(program.command('search'))
    .argument('<query...>', 'words to look for; "quoted phrases" match whole')
    .option('-n, --number <n>', 'how many results', intOption, 10)
    .action((query: string[], opts: CommonOpts & { number: number }) =>
      withCtx(io, opts, async (ctx, out) => {
        const r = await searchEntries(ctx, { query: query.join(' '), limit: opts.number });
        out.result(searchJson(r));
        for (const h of r.hits) {
          out.text(entryLine(out, h.entry));
          if (h.snippet && h.snippet !== h.entry.title) out.text(`    ${out.paint('dim', safe(h.snippet, false))}`);
        }
        if (!out.json && r.total > r.hits.length) io.deps.stderr(`git-ctx: ${r.total} entries matched; showing ${r.hits.length} (use -n)\n`);
      }, { needsContext: true }),
    );
}
