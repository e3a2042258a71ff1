// One claimer for bench/tasks.mjs: `git-ctx task claim --next --json`, then `task done`, as separate
// processes (as an agent's shell does), until nothing is left. Prints one JSON line per claim: the
// wall ms of the claim, the ids it got, and how it was decided.
import { execFileSync } from 'node:child_process';

const [bin, cwd, session] = process.argv.slice(2);
const env = { ...process.env, GIT_CTX_SESSION: session, GIT_CTX_AGENT: 'bench' };
for (let i = 0; i < 10_000; i++) {
  const t0 = performance.now();
  let out;
  try {
    out = JSON.parse(execFileSync(process.execPath, [bin, 'task', 'claim', '--next', '--json'], { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ error: String(e.stderr || e.message).slice(0, 300) })}\n`);
    break;
  }
  const ms = performance.now() - t0;
  const ids = out.claimed.map((t) => t.id);
  process.stdout.write(`${JSON.stringify({ ms, ids, decidedBy: out.decidedBy, offline: out.offline })}\n`);
  if (!ids.length) break;
  for (const id of ids) execFileSync(process.execPath, [bin, 'task', 'done', id, '-m', `done by ${session}`], { cwd, env, stdio: 'ignore' });
}
