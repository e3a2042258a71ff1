import type { Command } from 'commander';
import { common, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { scanHistory, type ScanFinding } from '../../core/secret-scan.js';
import { redactionJson } from '../../results/json.js';
import { SHORT_ID } from '../format.js';
import { safe } from '../output.js';
import { ExitStatus } from '../../errors.js';

function findingJson(f: ScanFinding) {
  return { object: f.object, oid: f.oid, id: f.id, path: f.path, commit: f.commit, secrets: f.secrets.map(redactionJson) };
}

export function register(program: Command, io: CliIO): void {
  common(program.command('scan'))
    .addHelpText('after', '\nExit status: 0 when the history is clean, 1 when secrets were found (like --exit-code).\nValues are never printed: only the kind and where.')
    .action((opts: CommonOpts) =>
      withCtx(io, opts, async (ctx, out) => {
        const r = await scanHistory(ctx);
        out.result({ clean: r.findings.length === 0, tip: r.tip, scanned: { commits: r.commits, blobs: r.blobs }, findings: r.findings.map(findingJson) });
        for (const f of r.findings) {
          const what = f.object === 'commit' ? 'commit message' : safe(f.path ?? f.oid, false);
          const kinds = f.secrets.map((s) => `${s.partial ? 'part of a ' : ''}${s.kind}${s.field === 'path' ? ' in its path' : ''} (${s.line}:${s.column})`).join(', ');
          out.text(`${(f.id ?? '-').slice(0, SHORT_ID).padEnd(SHORT_ID)}  ${out.paint('yellow', (f.commit ?? '-').slice(0, 12))}  ${what}  ${out.paint('red', kinds)}`);
        }
        const scanned = `${r.commits} commits, ${r.blobs} files`;
        if (r.findings.length === 0) {
          out.text(`no secrets found (${scanned})`);
          return;
        }
        io.deps.stderr(`git-ctx: ${r.findings.length} object(s) of the context history hold secrets (scanned ${scanned})\n`);
        io.deps.stderr('hint: history keeps them: rotate these secrets; removing them from the branch needs a history rewrite and a forced push\n');
        throw new ExitStatus(1, 'secrets found');
      }),
    );
}
