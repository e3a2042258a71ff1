import { readFileSync, statSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CliIO } from '../io.js';
import { intOption } from '../io.js';
import { openCtx, closeCtx, type Ctx } from '../../core/context.js';
import { AGENT_EVENTS, isAgentEvent, runAgentHook, warmIndex } from '../../core/agent-hook.js';
import { clientAgent } from './mcp.js';
import { safe } from '../output.js';

interface HookOpts {
  agent?: string;
  budget?: number;
  background?: boolean;
  payload?: string;
}

/**
 * When a hook gives up, in ms from the start of the process (Node's start-up included): what is left
 * of the second is for handing work to a background run and exiting.
 */
const DEADLINE_MS = 850;
/** A hook's JSON on stdin is small; a prompt pasted whole is not read past this. */
const MAX_STDIN = 1 << 20;
const WRITE_EVENTS = new Set(['SessionEnd', 'Stop', 'PreCompact']);

interface Payload {
  session_id?: unknown;
  cwd?: unknown;
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

export function register(program: Command, io: CliIO): void {
  program
    .command('agent-hook')
    .argument('<client>', 'the agent program (claude, codex)')
    .argument('<event>', AGENT_EVENTS.join(', '))
    .option('--agent <name>', 'agent name (default: $GIT_CTX_AGENT, the client)')
    .option('--budget <tokens>', 'token budget of the SessionStart brief', intOption)
    .option('--background', 'internal: finish a hook that ran out of time (build the index, then write)')
    .option('--payload <json>', 'internal: the hook input, instead of stdin')
    .action(async (client: string, event: string, opts: HookOpts) => {
      const started = io.startedAt ?? io.deps.now();
      const deadline = started + (Number(io.deps.env.GIT_CTX_HOOK_DEADLINE_MS) || DEADLINE_MS);
      const note = (m: string) => io.deps.stderr(`git-ctx: ${event} hook: ${safe(m, false).slice(0, 300)}\n`);
      let ctx: Ctx | undefined;
      let payload: Payload = {};
      let cwd = io.deps.cwd;
      let timedOut = false;
      const timer = opts.background
        ? undefined
        : setTimeout(() => {
            // Out of time: say so in one line and leave; the agent goes on. A cold index (first use on a
            // large store) is built by a background run, which then does the hook's writing too; so is a
            // regenerate that ran long (running it twice is harmless: the second finds nothing new).
            timedOut = true;
            const cold = !!ctx && ctx.index.cachedTip() === null;
            if (ctx && (cold || event === 'PreCompact')) {
              if (!(warmerRunning(ctx) && !WRITE_EVENTS.has(event))) io.spawnDetached?.(['agent-hook', client, event, '--background', '--payload', JSON.stringify({ session_id: payload.session_id, cwd })], cwd);
              note(cold ? 'the context index is still being built (first use of this store); it goes on in the background' : `still running after ${deadline - started} ms; it goes on in the background`);
              if (event === 'SessionStart') io.stdout(hookOutput(event, 'git-ctx: the shared context of this repository is still being indexed (first use); run `git ctx brief` in a minute for handoffs, messages and decisions.'));
            } else note(`gave up after ${deadline - started} ms (the agent is not affected)`);
            io.exit?.(0);
          }, Math.max(0, deadline - io.deps.now()));
      try {
        if (!isAgentEvent(event)) throw new Error(`unknown event (${AGENT_EVENTS.join(', ')})`);
        payload = parsePayload(opts.payload ?? (opts.background ? '' : ((await io.readStdin(MAX_STDIN))?.subarray(0, MAX_STDIN).toString('utf8') ?? '')));
        if (isDir(payload.cwd)) cwd = payload.cwd;
        ctx = await openCtx({ ...io.deps, cwd }, cwd === io.deps.cwd ? io.probe : undefined);
        const input = { client, event, agentSession: typeof payload.session_id === 'string' && payload.session_id ? payload.session_id : 'unknown', agent: clientAgent(io, { agent: opts.agent, client }), budget: opts.budget, deadline };
        if (opts.background) {
          await background(ctx, () => runAgentHook(ctx!, input), WRITE_EVENTS.has(event));
          return;
        }
        const r = await runAgentHook(ctx, input);
        if (timedOut) return;
        if (r.context) io.stdout(hookOutput(event, r.context));
        if (io.deps.env.GIT_CTX_DEBUG === '1') for (const n of r.notes) io.deps.stderr(`${safe(n, false)}\n`);
      } catch (e) {
        // Never the agent's problem: one line on stderr, exit 0.
        if (!timedOut) note(`skipped: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        if (timer) clearTimeout(timer);
        closeCtx(ctx);
      }
      // Work still under way (a conflict scan past its limit) must not hold the agent up.
      if (!opts.background) io.exit?.(0);
    });
}

/** The hook's answer: context for the agent, as Claude Code and Codex both read it. */
function hookOutput(event: string, context: string): string {
  return `${JSON.stringify({ hookSpecificOutput: { hookEventName: event, additionalContext: context } })}\n`;
}

/**
 * A background run: build the index, one run at a time (a run that finds another building waits for it,
 * then brings the index to the tip itself, which costs little once it is built), then do the hook's
 * writing if it has any.
 */
async function background(ctx: Ctx, run: () => Promise<unknown>, writes: boolean): Promise<void> {
  const marker = join(ctx.store.privateDir, 'tmp', 'index-warm');
  for (let i = 0; i < 3000 && warmerRunning(ctx); i++) await ctx.deps.sleep(100);
  mkdirSync(join(marker, '..'), { recursive: true });
  writeFileSync(marker, `${ctx.deps.pid} ${ctx.deps.hostname}`);
  try {
    await warmIndex(ctx);
  } finally {
    rmSync(marker, { force: true });
  }
  if (writes) await run();
}
