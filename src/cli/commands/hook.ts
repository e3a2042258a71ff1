import type { Command } from 'commander';
import type { CliIO, CommonOpts } from '../io.js';
import { common, makeOutput, withCtx } from '../io.js';
import { safe } from '../output.js';
import { CtxError } from '../../errors.js';

/** Seconds the runner gives the hook (GIT_CTX_HOOK_TIMEOUT); network work stops a second before. */
const DEFAULT_TIMEOUT_S = 10;

export function registerHook(program: Command, io: CliIO): void {
  common(program.command('hook'))
    .description('run by the git hooks that init --hooks installs; never fails the git command')
    .argument('<name>', 'the git hook (pre-push, post-merge, post-rewrite)')
    .argument('[args...]', 'the arguments git gave the hook')
    .action(async (name: string, args: string[], opts: CommonOpts) => {
      const started = io.deps.now();
      const messages: string[] = [];
      try {
        const { findGitHook } = await import('../../hooks/git-hooks.js');
        const hook = findGitHook(name);
        if (!hook) throw new CtxError('E_HOOK', 2, `unknown hook: ${name}`);
        const stdin = (await io.readStdin())?.toString('utf8') ?? '';
        const seconds = Number(io.deps.env.GIT_CTX_HOOK_TIMEOUT) || DEFAULT_TIMEOUT_S;
        const deadline = started + Math.max(500, seconds * 1000 - 1000);
        await withCtx(io, opts, async (ctx) => {
          messages.push(...(await hook.run(ctx, { args, stdin, env: io.deps.env, deadline })));
        });
      } catch (e) {
        // A hook reports and moves on: the user's git command must not fail because of git-ctx.
        messages.push(`git-ctx: warning: ${name} hook: ${e instanceof Error ? e.message : String(e)} (your git command is not affected)`);
        if (io.deps.env.GIT_CTX_DEBUG === '1' && e instanceof Error && e.stack) io.deps.stderr(`${e.stack}\n`);
      }
      for (const m of messages) io.deps.stderr(`${safe(m, false)}\n`);
      makeOutput(io, opts).result({ hook: name, messages });
    });
}
