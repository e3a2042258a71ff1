import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliIO, CommonOpts } from '../io.js';
import { common, makeOutput, withCtx } from '../io.js';
import { safe } from '../output.js';
import { CtxError, ExitStatus } from '../../errors.js';

/** Seconds the runner gives the hook (GIT_CTX_HOOK_TIMEOUT); network work stops a second before. */
const DEFAULT_TIMEOUT_S = 10;

export function register(program: Command, io: CliIO): void {
  common(program.command('hook'))
    .argument('<name>', 'the git hook (pre-push, pre-commit, post-merge, post-rewrite)')
    .argument('[args...]', 'the arguments git gave the hook')
    .action(async (name: string, args: string[], opts: CommonOpts) => {
      const started = io.deps.now();
      const messages: string[] = [];
      let refuse = false;
      try {
        const { findGitHook } = await import('../../hooks/git-hooks.js');
        const hook = findGitHook(name);
        if (!hook) throw new CtxError('E_HOOK', 2, `unknown hook: ${name}`);
        const stdin = (await io.readStdin())?.toString('utf8') ?? '';
        const seconds = Number(io.deps.env.GIT_CTX_HOOK_TIMEOUT) || DEFAULT_TIMEOUT_S;
        const deadline = started + Math.max(500, seconds * 1000 - 1000);
        await withCtx(io, opts, async (ctx) => {
          const r = await hook.run(ctx, { args, stdin, env: io.deps.env, deadline });
          if (Array.isArray(r)) messages.push(...r);
          else {
            messages.push(...r.lines);
            refuse = r.refuse;
          }
        });
      } catch (e) {
        // A hook reports and moves on: the user's git command must not fail because of git-ctx.
        messages.push(`git-ctx: warning: ${name} hook: ${e instanceof Error ? e.message : String(e)} (your git command is not affected)`);
        if (io.deps.env.GIT_CTX_DEBUG === '1' && e instanceof Error && e.stack) io.deps.stderr(`${e.stack}\n`);
      }
      for (const m of messages) io.deps.stderr(`${safe(m, false)}\n`);
      makeOutput(io, opts).result({ hook: name, messages, refused: refuse });
      if (refuse) {
        // Exit 1 alone could be a crash (node exits 1 on an uncaught error): the runner blocks only
        // when this file exists too.
        const marker = io.deps.env.GIT_CTX_HOOK_REFUSE;
        if (marker) writeFileSync(marker, `${name}\n`);
        throw new ExitStatus(1, `${name}: refused`);
      }
    });
}
