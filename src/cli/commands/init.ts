import type { Command } from 'commander';
import { withCtx, type CliIO, type CommonOpts } from '../io.js';
import { initContext } from '../../core/init.js';
import { syncJson, renderSync } from '../sync-render.js';
import { renderHooks } from '../hooks-render.js';
import { agentJson, renderAgent } from '../agent-render.js';
import { UsageError } from '../../errors.js';

interface InitOpts extends CommonOpts {
  remote?: string;
  hooks?: boolean;
  uninstall?: boolean;
  agent?: string;
  dryRun?: boolean;
}

export function register(program: Command, io: CliIO): void {
  // --agent names the coding agent to install for here, not the writer's name (init writes no entry).
  program
    .command('init')
    .option('--json', 'print one JSON object on stdout')
    .option('--agent <agent>', 'install hooks and the MCP server for this coding agent: claude or codex')
    .option('--remote <remote>', 'store it as ctx.remote and adopt its context branch if it has one')
    .option('--hooks', 'install the git hooks (pre-push, post-merge, post-rewrite)')
    .option('--uninstall', 'with --hooks or --agent: remove what git-ctx installed')
    .option('--dry-run', 'with --agent: show the changes to the agent\'s files, write nothing')
    .action((opts: InitOpts) =>
      withCtx(io, opts, async (ctx, out) => {
        if (opts.uninstall && !opts.hooks && !opts.agent) throw new UsageError('--uninstall goes with --hooks or --agent');
        if (opts.dryRun && !opts.agent) throw new UsageError('--dry-run goes with --agent');
        const hooksOp = opts.hooks ? await import('../../hooks/install.js') : null;
        const agentOp = opts.agent ? await import('../../hooks/agent-install.js') : null;
        const installAgent = (uninstall: boolean) => agentOp!.installAgent(ctx, { client: opts.agent!, uninstall, dryRun: opts.dryRun });
        if (opts.uninstall || opts.dryRun) {
          const hooks = hooksOp && opts.uninstall ? await hooksOp.uninstallGitHooks(ctx) : null;
          const agent = agentOp ? await installAgent(!!opts.uninstall) : null;
          for (const w of agent?.warnings ?? []) io.deps.stderr(`git-ctx: warning: ${w}\n`);
          out.result({ ...(hooks ? { hooks } : {}), ...(agent ? { agent: agentJson(agent) } : {}) });
          if (hooks) renderHooks(out, hooks, true);
          if (agent) renderAgent(out, agent);
          return;
        }
        const remote = opts.remote ? await (await import('../../core/sync/sync.js')).initRemote(ctx, opts.remote) : null;
        const r = await initContext(ctx);
        const hooks = hooksOp ? await hooksOp.installGitHooks(ctx) : null;
        const agent = agentOp ? await installAgent(false) : null;
        for (const w of [...r.warnings, ...(hooks?.warnings ?? []), ...(agent?.warnings ?? [])]) io.deps.stderr(`git-ctx: warning: ${w}\n`);
        out.result({ branch: r.branch, ref: r.ref, tip: r.tip, created: r.created, warnings: r.warnings, remote: remote && syncJson(remote.pull), hooks, ...(agent ? { agent: agentJson(agent) } : {}) });
        out.text(r.created ? `Created ${r.ref} at ${r.tip.slice(0, 12)}.` : `${r.ref} is at ${r.tip.slice(0, 12)}.`);
        if (remote) renderSync(out, remote.pull);
        if (hooks) renderHooks(out, hooks, false);
        if (agent) renderAgent(out, agent);
      }),
    );
}
