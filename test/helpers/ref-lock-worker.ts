/**
 * A process that moves a branch with git's lock-file protocol in process (src/git/ref-files.ts) and
 * stops for good inside the lock window, as a writer killed there would: it says "holding" once it
 * holds the lock, then spins until it is killed.
 * Usage: node ref-lock-worker.cjs <repo> <ref> <new> <old>
 */
import { writeSync } from 'node:fs';
import { readConfig } from '../../src/git/config.js';
import { GitRunner } from '../../src/git/run.js';
import { RefFileWriter } from '../../src/git/ref-files.js';
import { realDeps } from './real-deps.js';

async function run(): Promise<void> {
  const [repo, ref, newOid, oldOid] = process.argv.slice(2) as [string, string, string, string];
  const config = await readConfig(new GitRunner(repo, process.env));
  const writer = RefFileWriter.open(
    `${repo}/.git`,
    config,
    realDeps(repo, process.env, {
      // Asked for the reflog's date, under the lock.
      now() {
        writeSync(1, 'holding\n');
        for (;;);
      },
    }),
  );
  if (!writer) throw new Error('this repository leaves moving refs to git');
  writer.cas({ ref, newOid, oldOid, zeroOid: '0'.repeat(40), message: 'never lands' });
}

run().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exitCode = 1;
});
