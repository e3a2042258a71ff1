import type { Command } from 'commander';
import { common, intOption, withCtx, type CliIO, type CommonOpts } from '../io.js';
import { findConflicts, conflictsPreCommit, LEVELS } from '../../core/conflicts/conflicts.js';
import { ackConflicts } from '../../core/conflicts/conflicts-ack.js';
import { conflictsSummary, conflictsTable } from '../conflicts-render.js';
import { conflictsJson } from '../../results/conflicts.js';
import { safe } from '../output.js';
import { ackJson } from '../../results/json.js';
import { ExitStatus } from '../../errors.js';

interface ConflictsOpts extends CommonOpts {
  level?: string;
  exitCode?: boolean;
  mine?: boolean;
  staged?: boolean;
  all?: boolean;
  hook?: boolean;
  timeout?: number;
  limit?: number;
}

export function register(program: Command, io: CliIO): void {
  const cmd = common(program.command('conflicts'))
    .option('--level <level>', `only overlaps at this level or above (${LEVELS.join(' < ')})`)
    .option('--exit-code', 'exit 1 when there are overlaps')
    .option('--mine', 'only pairs that include this session')
    .option('--staged', 'only files staged in this worktree (implies --mine)')
    .option('--all', 'list acknowledged overlaps too')
    .option('--hook', 'pre-commit hook mode: warnings on stderr, time-bounded, never fails the commit on a git-ctx problem')
    .option('--timeout <ms>', 'stop after this many milliseconds with what is known by then (marked partial)', intOption)
    .option('--limit <n>', 'work out lines and symbols for at most this many overlaps, counting the rest (default 500, 0: no limit)', intOption)
    .action(async (opts: ConflictsOpts) => {
      if (opts.hook) return runHook(io, opts);
      await withCtx(io, opts, async (ctx, out) => {
        const r = await findConflicts(ctx, { ...opts, timeoutMs: opts.timeout, limit: opts.limit });
        for (const w of r.warnings) io.deps.stderr(`git-ctx: warning: ${safe(w, false)}\n`);
        out.result(conflictsJson(r));
        if (r.overlaps.length) out.text(conflictsTable(out, r));
        out.text(conflictsSummary(r));
        if (opts.exitCode && r.overlaps.length) throw new ExitStatus(1, 'overlapping edits found');
      });
    });
  cmd
    .command('ack')
    .description('silence reported overlaps until either side edits the file again')
    .argument('<id...>', 'overlap ids from git ctx conflicts (a unique prefix is enough)')
    .option('--json', 'print one JSON object on stdout')
    .action((ids: string[], _opts: CommonOpts, sub: Command) => {
      const opts = sub.optsWithGlobals<CommonOpts>();
      return withCtx(io, opts, async (ctx, out) => {
        const r = await ackConflicts(ctx, { ids, agent: opts.agent, session: opts.session });
        out.result(ackJson(r));
        for (const a of r.acked) out.text(`${a.already ? 'Already acknowledged' : 'Acknowledged'} ${a.id} ${safe(a.path, false)} (${safe(a.sessions.join(' <> '), false)}) until either side edits it again.`);
      });
    });
}

/** `conflicts --staged --hook` as the pre-commit hook runs it: speaks on stderr, fails only to block. */
async function runHook(io: CliIO, opts: ConflictsOpts): Promise<void> {
  let block = false;
  try {
    await withCtx(io, opts, async (ctx, out) => {
      const r = await conflictsPreCommit(ctx, { agent: opts.agent, session: opts.session, indexFile: io.deps.env.GIT_INDEX_FILE, timeoutMs: opts.timeout });
      for (const line of r.lines) io.deps.stderr(`${safe(line, false)}\n`);
      out.result({ overlaps: r.overlaps.length, block: r.block, skipped: r.skipped });
      block = r.block;
    });
  } catch (e) {
    // Not a repository git-ctx can read, a broken install...: the commit is not ours to stop.
    io.deps.stderr(`git-ctx: conflict check skipped: ${safe((e as Error).message, false)}\n`);
    return;
  }
  if (block) throw new ExitStatus(1, 'commit refused: overlapping edits');
}
