/**
 * A process that moves a branch with git's lock-file protocol in process (src/git/ref-files.ts).
 * `hold`: it stops for good inside the lock window, as a writer killed there would: it says "holding"
 * once it holds the lock, then spins until it is killed. `race`: it waits for the time START (ms since
 * the epoch, so that racers start together), then tries while the branch is locked, for up to two
 * seconds, and prints the outcome as JSON.
 * Usage: node ref-lock-worker.cjs hold|race <repo> <ref> <new> <old> [START]
 */
import { writeSync } from 'node:fs';
import { readConfig } from '../../src/git/config.js';
import { GitRunner } from '../../src/git/run.js';
import { RefFileWriter } from '../../src/git/ref-files.js';
import { realDeps } from './real-deps.js';

async function run(): Promise<void> {
  const [mode, repo, ref, newOid, oldOid, start] = process.argv.slice(2) as [string, string, string, string, string, string?];
  const config = await readConfig(new GitRunner(repo, process.env));
  const hold = () => {
    writeSync(1, 'holding\n');
    for (;;);
  };
  // Asked for the reflog's date, under the lock.
  const writer = RefFileWriter.open(`${repo}/.git`, config, realDeps(repo, process.env, mode === 'hold' ? { now: hold } : {}));
  if (!writer) throw new Error('this repository leaves moving refs to git');
  const update = { ref, newOid, oldOid, zeroOid: '0'.repeat(40), message: `${mode} ${process.pid}` };
  if (mode === 'hold') writer.cas(update);
  while (Date.now() < Number(start ?? 0));
  const until = Date.now() + 2000;
  let outcome = writer.cas(update);
  while (outcome && !outcome.ok && outcome.reason === 'locked' && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 1));
    outcome = writer.cas(update);
  }
  process.stdout.write(`${JSON.stringify({ newOid, outcome })}\n`);
}

run().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exitCode = 1;
});
