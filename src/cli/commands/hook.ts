import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import { withCtx } from '../io.js';
import { safe } from '../output.js';
import { CtxError } from '../../errors.js';

/** Seconds the runner gives the hook (GIT_CTX_HOOK_TIMEOUT); network work stops a second before. */
const DEFAULT_TIMEOUT_S = 10;

export function registerHook(program: Command, io: CliIO): void {
  program
    .command('hook')
    .description('run by the git hooks that init --hooks installs; never fails the git command')
    .argument('<name>', 'the git hook (pre-push, post-merge, post-rewrite)')
    .argument('[args...]', 'the arguments git gave the hook')
    .action(async (name: string, args: string[]) => {
      const started = io.deps.now();
      try {
        const { findGitHook } = await import('../../hooks/git-hooks.js');
        const hook = findGitHook(name);
        if (!hook) throw new CtxError('E_HOOK', 2, `unknown hook: ${name}`);
        const stdin = (await io.readStdin())?.toString('utf8') ?? '';
        const seconds = Number(io.deps.env.GIT_CTX_HOOK_TIMEOUT) || DEFAULT_TIMEOUT_S;
        const deadline = started + Math.max(500, seconds * 1000 - 1000);
        await withCtx(io, {}, async (ctx) => {
          for (const line of await hook.run(ctx, { args, stdin, env: io.deps.env, deadline })) io.deps.stderr(`${safe(line, false)}\n`);
        });
      } catch (e) {
        // A hook reports and moves on: the user's git command must not fail because of git-ctx.
        const message = e instanceof Error ? e.message : String(e);
        io.deps.stderr(`git-ctx: warning: ${name} hook: ${safe(message, false)} (your git command is not affected)\n`);
        if (io.deps.env.GIT_CTX_DEBUG === '1' && e instanceof Error && e.stack) io.deps.stderr(`${e.stack}\n`);
      }
    });
}
