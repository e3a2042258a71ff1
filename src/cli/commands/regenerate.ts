import type { Command } from 'commander';
import { collect, allowSecretsOption, common, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { regenerateJson } from '../../results/json.js';
import { safe } from '../output.js';

interface RegenerateOpts extends CommonOpts {
  allowSecrets?: boolean;
  since?: string;
  testLog?: string[];
  format?: string;
  dryRun?: boolean;
}

export function register(program: Command, io: CliIO): void {
  allowSecretsOption(common(program.command('regenerate')))
    .option('--since <rev>', 'start the range here (default: where this branch left its upstream or the default branch, or the previous regenerate)')
    .option('--test-log <file>', 'a test log: JUnit XML, TAP, jest/vitest/mocha/RSpec/pytest-json-report JSON, go test -json, or the console output of pytest, vitest, jest, go test, cargo test, node --test; a directory for all in it (repeatable)', collect)
    .option('--format <format>', 'the test logs\' format, instead of telling it from each file: junit, tap, jest-json, go-test-json, mocha-json, rspec-json, pytest-json, pytest-console, vitest-console, jest-console, go-test-console, cargo-test-console, node-test-console')
    .option('--dry-run', 'print the entry, write nothing')
    .action((opts: RegenerateOpts) =>
      withCtx(io, opts, async (ctx, out) => {
        // Loaded here only: this command's code (and the parsers it loads) stays out of every other command's start-up.
        const { regenerate } = await import('../../core/regenerate.js');
        const r = await regenerate(ctx, { ...opts, testLogs: opts.testLog });
        for (const w of r.warnings) io.deps.stderr(`git-ctx: warning: ${safe(w, false)}\n`);
        out.result(regenerateJson(r, !!opts.dryRun));
        if (opts.dryRun) out.text(`# ${safe(r.title, false)}\n\n${safe(r.body)}`);
        else if (r.entry) out.text(`${r.entry.id}  ${safe(r.title, false)}`);
        else out.text(`nothing new since ${safe(r.facts.baseLabel, false)} (no commit, no uncommitted change, no test log): nothing written`);
      }),
    );
}
