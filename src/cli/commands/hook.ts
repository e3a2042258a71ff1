import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { CliIO, CommonOpts } from '../io.js';
import { common, makeOutput, withCtx } from '../io.js';
import { safe } from '../output.js';
import { CtxError, ExitStatus } from '../../errors.js';

/** Seconds the runner gives the hook (GIT_CTX_HOOK_TIMEOUT); network work stops a second before. */
const DEFAULT_TIMEOUT_S = 10;
/**
 * How long, from the start of the process, the user's git command waits for a hook's network work
 * (a push or pull of the context with a remote). Past it the work is handed to a detached run of this
 * hook, which finishes it alone: whatever a remote does, a hook costs the user's git command about a
 * second.
 */
const FOREGROUND_MS = 800;
/** A background run starts no network command after this long, and ends, whatever is left, at BACKGROUND_END_MS. */
const BACKGROUND_MS = 60_000;
const BACKGROUND_END_MS = 90_000;

interface HookOpts extends CommonOpts {
  background?: boolean;
  payload?: string;
}

export function register(program: Command, io: CliIO): void {
  common(program.command('hook'))
    .argument('<name>', 'the git hook (pre-push, pre-commit, post-merge, post-rewrite)')
    .argument('[args...]', 'the arguments git gave the hook')
    .option('--background', 'internal: finish the network work of a hook that handed it over')
    .option('--payload <text>', 'internal: what git wrote to the hook, instead of stdin')
    .action(async (name: string, args: string[], opts: HookOpts) => {
      const started = io.startedAt ?? io.deps.now();
      const messages: string[] = [];
      let refuse = false;
      let handedOver = false;
      try {
        const [{ findGitHook, GIT_HOOKS }, bg] = await Promise.all([import('../../hooks/git-hooks.js'), import('../../hooks/background.js')]);
        const hook = findGitHook(name);
        if (!hook) throw new CtxError('E_HOOK', 2, `unknown hook: ${name}`);
        const stdin = opts.payload ?? (opts.background ? '' : ((await io.readStdin())?.toString('utf8') ?? ''));
        const seconds = Number(io.deps.env.GIT_CTX_HOOK_TIMEOUT) || DEFAULT_TIMEOUT_S;
        const network = !!hook.network && !opts.background;
        // The foreground wait of a network hook is not the work's deadline: past FOREGROUND_MS the work is
        // handed over whole, so it must not be cut to fit (a publish without its hunks, say) meanwhile.
        const deadline = opts.background ? started + BACKGROUND_MS : started + Math.max(500, seconds * 1000 - 1000);
        await withCtx(io, opts, async (ctx) => {
          const dir = bg.hooksDir(ctx.store.privateDir);
          const run = () => hook.run(ctx, { args, stdin, env: io.deps.env, deadline, startedAt: started });
          if (opts.background) return inBackground(io, dir, name, bg, run);
          messages.push(...bg.untoldFailures(dir, GIT_HOOKS.filter((h) => h.network).map((h) => h.name), io.deps).map((l) => `git-ctx: warning: ${l}`));
          const work = run();
          const r = network ? await within(work, FOREGROUND_MS - (io.deps.now() - started)) : await work;
          if (r === TIMED_OUT) {
            // The remote is slow or silent: a detached run of this hook does the work again, alone and
            // bounded, writing to a log; this process ends now, its git children stopped.
            work.catch(() => {});
            handedOver = true;
            // Asked for first, then checked: a busy run that ends meanwhile still sees the request.
            bg.request(dir, name, io.deps);
            const busy = bg.runningInBackground(dir, name, io.deps);
            // What git wrote to the hook can be long (a push of many refs): only the line about the context
            // branch matters to it (pre-push leaves a push of that branch to the user).
            const payload = stdin.split('\n').filter((l) => l.split(' ')[2] === ctx.store.ref).join('\n');
            if (!busy) io.spawnDetached?.(['hook', name, '--background', '--payload', payload, '--', ...args], io.deps.cwd);
            messages.push(`git-ctx: ${name}: the remote is slow; the context ${name === 'pre-push' ? 'push' : 'pull'} ${busy ? 'is already going on' : 'goes on'} in the background (log: ${bg.logFile(dir, name)})`);
          } else if (Array.isArray(r)) messages.push(...r);
          else {
            messages.push(...r.lines);
            refuse = r.refuse;
          }
        });
      } catch (e) {
        // A hook reports and moves on: the user's git command must not fail because of git-ctx.
        messages.push(failure(name, e));
        if (io.deps.env.GIT_CTX_DEBUG === '1' && e instanceof Error && e.stack) io.deps.stderr(`${e.stack}\n`);
      }
      if (opts.background) return;
      for (const m of messages) io.deps.stderr(`${safe(m, false)}\n`);
      makeOutput(io, opts).result({ hook: name, messages, refused: refuse, ...(handedOver ? { background: true } : {}) });
      if (handedOver) return io.exit?.(0);
      if (refuse) {
        // Exit 1 alone could be a crash (node exits 1 on an uncaught error): the runner blocks only
        // when this file exists too.
        const marker = io.deps.env.GIT_CTX_HOOK_REFUSE;
        if (marker) writeFileSync(marker, `${name}\n`);
        throw new ExitStatus(1, `${name}: refused`);
      }
    });
}

function failure(name: string, e: unknown): string {
  return `git-ctx: warning: ${name} hook: ${e instanceof Error ? e.message : String(e)} (your git command is not affected)`;
}

const TIMED_OUT = Symbol('timed out');

/** The work's result, or TIMED_OUT once `ms` have passed (the timer never keeps the process alive). */
function within<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  if (ms <= 0) return Promise.resolve(TIMED_OUT);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => resolve(TIMED_OUT), ms);
    timer.unref();
    work.then(
      (v) => (clearTimeout(timer), resolve(v)),
      (e) => (clearTimeout(timer), reject(e)),
    );
  });
}

type Bg = typeof import('../../hooks/background.js');

/**
 * The detached run: one at a time per hook, its outcome and lines in .git/ctx/hooks/ (told to the
 * user by the next hook if it failed), and an end of its own whatever the network does.
 */
async function inBackground(io: CliIO, dir: string, name: string, bg: Bg, run: () => Promise<string[] | { lines: string[] }>): Promise<void> {
  if (bg.runningInBackground(dir, name, io.deps)) return;
  const record = bg.beginRun(dir, name, io.deps);
  const end = setTimeout(() => {
    bg.endRun(dir, record, io.deps, false, [`git-ctx: warning: gave up after ${BACKGROUND_END_MS / 1000} s`]);
    io.exit?.(1);
  }, BACKGROUND_END_MS);
  end.unref();
  try {
    // A hook that found this run busy asked for its work once more (the work pushes what is there
    // now): asked before this run ended, done before it ends; asked as it ended, done by the next.
    for (;;) {
      bg.takeRequest(dir, name);
      let ok = true;
      let lines: string[];
      try {
        const r = await run();
        lines = Array.isArray(r) ? r : r.lines;
      } catch (e) {
        ok = false;
        lines = [failure(name, e)];
      }
      if (bg.requested(dir, name)) continue;
      bg.endRun(dir, record, io.deps, ok, lines);
      if (!bg.requested(dir, name)) break;
    }
  } finally {
    clearTimeout(end);
  }
}
