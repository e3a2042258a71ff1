/**
 * A separate process making one call of the claim API (test/helpers/test-claims.ts act), printing its
 * result as JSON. Usage: node claim-worker.cjs <cwd> <session> <claim|take over|release> [target JSON]
 */
import { act, type Action } from './test-claims.js';

async function run(): Promise<void> {
  const [cwd, session, action, target] = process.argv.slice(2);
  const r = await act(cwd!, session!, action as Action, target ? { target: JSON.parse(target) } : {});
  process.stdout.write(`${JSON.stringify(r)}\n`);
}

run().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exitCode = 1;
});
