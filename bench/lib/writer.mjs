// One concurrent writer for bench/store.mjs: runs `git-ctx add --json` N times in a row as separate
// processes (as agents and hooks do) and prints one JSON line per add: id, wall ms, CAS attempts.
import { execFileSync } from 'node:child_process';

const [bin, repo, count, label] = process.argv.slice(2);
for (let i = 0; i < Number(count); i++) {
  const t0 = performance.now();
  let out;
  try {
    out = JSON.parse(execFileSync(process.execPath, [bin, 'add', '--json', '-m', `${label} ${i}`], { cwd: repo, encoding: 'utf8' }));
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ error: String(e.message).slice(0, 200) })}\n`);
    continue;
  }
  process.stdout.write(`${JSON.stringify({ id: out.id, ms: performance.now() - t0, attempts: out.attempts })}\n`);
}
