import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import { intOption } from '../io.js';
import type { Ctx } from '../../core/context.js';
import { findCommonDir, markEnding, nothingNew, readState, statePath, writeState } from '../../core/agents/agent-state.js';
import { clientAgent } from './mcp.js';
import { safe } from '../output.js';

interface HookOpts {
  agent?: string;
  budget?: number;
  background?: boolean;
  token?: string;
  payload?: string;
}

/** A hook's JSON on stdin is small; a prompt pasted whole is not read past this. */
const MAX_STDIN = 1 << 20;
/** An agent closes the hook's stdin once it wrote the JSON; one that does not is not waited for past this. */
const STDIN_MS = 2000;
/** Work the agent hooks hand to a background run besides their own events. */
const INTERNAL = ['scan-conflicts', 'warm-index'];
const EVENTS = ['SessionStart', 'UserPromptSubmit', 'SessionEnd', 'Stop', 'PreCompact'];
const BACKGROUND_EVENTS = new Set(['SessionEnd', 'Stop', 'PreCompact']);

interface Payload {
  session_id?: unknown;
  cwd?: unknown;
  source?: unknown;
}

function parsePayload(text: string): Payload {
  if (!text.trim()) return {};
  const v = JSON.parse(text) as unknown;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('the hook input is not a JSON object');
  return v as Payload;
}

function isDir(p: unknown): p is string {
  try {
    return typeof p === 'string' && statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** `.git/ctx/tmp/index-warm`: "pid host" of a background run building the index, so that hooks start only one. */
function warmerRunning(ctx: Ctx): boolean {
  try {
    const path = join(ctx.store.privateDir, 'tmp', 'index-warm');
    if (ctx.deps.now() - statSync(path).mtimeMs > 10 * 60_000) return false;
    const [pid, host] = readFileSync(path, 'utf8').split(' ');
    return host === ctx.deps.hostname && ctx.deps.processAlive(Number(pid));
  } catch {
    return false;
  }
}

/** The hook's answer: context for the agent, as Claude Code and Codex both read it. */
function hookOutput(event: string, context: string): string {
  return `${JSON.stringify({ hookSpecificOutput: { hookEventName: event, additionalContext: context } })}\n`;
}

/** Resolves after `ms`; the timer does not keep the process alive. */
function after(ms: number): Promise<'late'> {
  return new Promise((resolve) => setTimeout(() => resolve('late'), Math.max(0, ms)).unref());
}

export function register(program: Command, io: CliIO): void {
  program
    .command('agent-hook')
    .argument('<client>', 'the agent program (claude, codex)')
    .argument('<event>', EVENTS.join(', '))
    .option('--agent <name>', 'agent name (default: $GIT_CTX_AGENT, the client)')
    .option('--budget <tokens>', 'token budget of the SessionStart brief', intOption)
    .option('--background', 'internal: do the work a hook handed over (handoff, regenerate, conflict scan, index)')
    .option('--token <token>', 'internal: the hand-over a background run completes')
    .option('--payload <json>', 'internal: the hook input, instead of stdin')
    .action(async (client: string, event: string, opts: HookOpts) => {
      const started = io.startedAt ?? io.deps.now();
      const note = (m: string) => io.deps.stderr(`git-ctx: ${event} hook: ${safe(m, false).slice(0, 300)}\n`);
      let ctx: Ctx | undefined;
      try {
        if (!EVENTS.includes(event) && !(opts.background && INTERNAL.includes(event))) throw new Error(`unknown event (${EVENTS.join(', ')})`);
        const stdin = opts.payload ?? (opts.background ? '' : await readInput(io));
        const payload = parsePayload(stdin);
        const cwd = isDir(payload.cwd) ? payload.cwd : io.deps.cwd;
        const agentSession = typeof payload.session_id === 'string' && payload.session_id ? payload.session_id : 'unknown';
        const input = {
          client,
          event: event as 'SessionStart',
          agentSession,
          source: typeof payload.source === 'string' ? payload.source : undefined,
          agent: clientAgent(io, { agent: opts.agent, client }),
          budget: opts.budget,
        };
        const handOn = (what: string, token?: string) =>
          io.spawnDetached?.(['agent-hook', client, what, '--background', ...(opts.agent ? ['--agent', opts.agent] : []), ...(token ? ['--token', token] : []), '--payload', JSON.stringify({ session_id: payload.session_id, cwd, source: payload.source })], cwd);

        if (event === 'UserPromptSubmit' && !opts.background && !io.deps.env.GIT_DIR) {
          // The common case, answered from files alone: nothing arrived since the last delivery.
          const fast = nothingNew(cwd, client, agentSession, io.deps.now(), 60_000);
          if (fast.kind === 'nothing') {
            if (fast.staleScan) {
              fast.state.conflicts.scanAt = io.deps.now();
              writeState(fast.path, fast.state, io.deps.pid);
              handOn('scan-conflicts');
            }
            return;
          }
        }

        if (BACKGROUND_EVENTS.has(event) && !opts.background) {
          // Handoffs and regenerate outlive the agent: a background run does them (and reports a
          // failure in the next brief), so that the agent's exit or timeout never loses one. Handed
          // over from files alone, well within the agent's budget for these hooks.
          const common = io.deps.env.GIT_DIR ? (await (await import('../../core/context.js')).openCtx({ ...io.deps, cwd }).then((c) => ((ctx = c), c.repo.commonDir))) : findCommonDir(cwd);
          if (!common) throw new Error('not a git repository (or any of the parent directories)');
          const token = Buffer.from(io.deps.random(6)).toString('hex');
          markEnding(join(common, 'ctx'), client, agentSession, event, io.deps.now(), token, io.deps.pid);
          handOn(event, token);
          return;
        }
        // Loaded only past the fast path: a prompt with nothing new never initialises the store's code.
        const { openCtx } = await import('../../core/context.js');
        ctx = await openCtx({ ...io.deps, cwd });
        const hook = await import('../../core/agents/agent-hook.js');
        if (opts.background) {
          await background(io, ctx, hook, event, input, opts.token);
          return;
        }

        const prepared = hook.prepareHook(ctx, input);
        prepared.catch(() => {});
        const contentMs = Number(io.deps.env.GIT_CTX_HOOK_CONTENT_MS) || (hook.CONTENT_MS[input.event] ?? 4000);
        const first = await Promise.race([prepared, after(started + contentMs - io.deps.now())]);
        if (first === 'late') {
          // Out of time: cut the content, never a receipt. Nothing was recorded, so everything comes again.
          const cold = ctx.index.cachedTip() === null;
          if (cold && !warmerRunning(ctx)) handOn('warm-index');
          if (event === 'SessionStart') {
            await io.writeOut?.(hookOutput(event, cold ? 'git-ctx: the shared context of this repository is still being indexed (first use); run `git ctx brief` in a minute for handoffs, messages and decisions.' : 'git-ctx: the brief was not ready in time; run `git ctx brief` for handoffs, messages and decisions.'));
          }
          note(cold ? 'the context index is still being built (first use of this store); it goes on in the background' : `nothing shown: not ready after ${io.deps.now() - started} ms`);
          return;
        }
        if (first.context) await (io.writeOut ? io.writeOut(hookOutput(event, first.context)) : Promise.resolve(io.stdout(hookOutput(event, first.context))));
        // Written out in full: now record it and write the receipts, within the hook's own limit (what
        // is not done by then stays pending for the session's next hook).
        await Promise.race([first.deliver(), after(started + hook.hardLimitMs(input.event) - io.deps.now())]);
        if (event === 'UserPromptSubmit') {
          // A conflict scan over a minute old is refreshed in the background for the next prompt.
          const path = statePath(ctx.store.privateDir, client, agentSession);
          const state = readState(path);
          if (state && state.conflicts.file && io.deps.now() - (state.conflicts.stamp ?? 0) > hook.SCAN_AFTER_MS && io.deps.now() - (state.conflicts.scanAt ?? 0) > hook.SCAN_AFTER_MS) {
            state.conflicts.scanAt = io.deps.now();
            writeState(path, state, io.deps.pid);
            handOn('scan-conflicts');
          }
        }
      } catch (e) {
        // Never the agent's problem: one line on stderr, exit 0.
        note(`skipped: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        ctx?.store.close();
        // Work still under way (a brief past its time) must not hold the agent up.
        io.exit?.(0);
      }
    });
}

/** The hook's JSON on stdin, read until the agent closes it (or for STDIN_MS at most). */
async function readInput(io: CliIO): Promise<string> {
  const r = await Promise.race([io.readStdin(MAX_STDIN), after(STDIN_MS)]);
  if (r === 'late') throw new Error(`no hook input on stdin after ${STDIN_MS} ms`);
  return r?.subarray(0, MAX_STDIN).toString('utf8') ?? '';
}

/**
 * A background run: the handoff or regenerate a hook handed over, a conflict scan, or building the
 * index. Bounded: past BACKGROUND_MAX_MS it records a failure (reported in the next brief) and exits.
 */
async function background(io: CliIO, ctx: Ctx, hook: typeof import('../../core/agents/agent-hook.js'), event: string, input: Parameters<typeof hook.prepareHook>[1], token: string | undefined): Promise<void> {
  const timer = setTimeout(() => {
    void (async () => {
      try {
        const { resolveIdentity } = await import('../../core/context.js');
        const me = await resolveIdentity(ctx, { agent: input.agent, agentSession: input.agentSession === 'unknown' ? undefined : { client: input.client, id: input.agentSession } });
        hook.failed(ctx, me, event, `did not finish in ${hook.BACKGROUND_MAX_MS / 1000} s`);
      } finally {
        io.exit?.(0);
      }
    })();
  }, hook.BACKGROUND_MAX_MS);
  timer.unref();
  try {
    if (event === 'warm-index') {
      const marker = join(ctx.store.privateDir, 'tmp', 'index-warm');
      for (let i = 0; i < 3000 && warmerRunning(ctx); i++) await ctx.deps.sleep(100);
      mkdirSync(join(marker, '..'), { recursive: true });
      writeFileSync(marker, `${ctx.deps.pid} ${ctx.deps.hostname}`);
      try {
        await hook.warmIndex(ctx);
      } finally {
        rmSync(marker, { force: true });
      }
    } else if (event === 'scan-conflicts') {
      await hook.scanConflicts(ctx, input);
    } else {
      const r = await hook.runInBackground(ctx, { ...input, event: event as 'SessionEnd' }, token);
      if (io.deps.env.GIT_CTX_DEBUG === '1') for (const n of r.notes) io.deps.stderr(`git-ctx: ${n}\n`);
    }
  } finally {
    clearTimeout(timer);
  }
}
