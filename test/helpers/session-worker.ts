/**
 * A session that stays, as a long-lived client (the MCP server) does: one process that claims the next
 * task and finishes it until nothing is left for it, each step a `git ctx task` command run through
 * the command line in this process. Prints one JSON line per task it claimed ({"claimed": id}) and per
 * failure ({"error": text}). The session and the agent come from GIT_CTX_SESSION and GIT_CTX_AGENT.
 * Usage: node session-worker.cjs <cwd> <dist/bin.cjs>
 */
import { runCli } from './cli-run.js';

async function run(): Promise<void> {
  const [cwd, bin] = process.argv.slice(2);
  const say = (line: object) => void process.stdout.write(`${JSON.stringify(line)}\n`);
  const git = (args: string[]) => runCli({ cwd: cwd!, args, env: process.env, bin: bin! });
  for (let i = 0; i < 200; i++) {
    const r = await git(['task', 'claim', '--next', '--json']);
    if (r.code !== 0) return say({ error: `claim: ${r.code} ${r.stderr}` });
    const claim = JSON.parse(r.stdout) as { claimed: { id: string; title: string }[]; offline: string | null };
    if (claim.offline) say({ error: `claim decided offline (${claim.offline}): ${r.stderr}` });
    if (!claim.claimed.length) return;
    for (const t of claim.claimed) {
      say({ claimed: t.id });
      const d = await git(['task', 'done', t.id, '-m', `${t.title} finished by ${process.env.GIT_CTX_SESSION}`, '--json']);
      if (d.code !== 0) say({ error: `done ${t.id}: ${d.code} ${d.stderr}` });
    }
  }
}

run().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exitCode = 1;
});
