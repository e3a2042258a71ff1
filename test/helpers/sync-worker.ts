/**
 * A separate process that adds N entries and pushes after every add, through the core API (the path
 * `git ctx add` and `git ctx push` take, minus node start-up), printing one JSON line per entry:
 * {"id":..., "pushed": true|false, "attempts": n, "error": code?}.
 * Usage: node sync-worker.cjs <cwd> <count> <label> [remote]
 */
import { openCtx, closeCtx } from '../../src/core/context.js';
import { addEntry } from '../../src/core/entries/add.js';
import { syncContext } from '../../src/core/sync/sync.js';
import { CtxError } from '../../src/errors.js';
import { realDeps } from './real-deps.js';

async function run(): Promise<void> {
  const [cwd, countText, label, remote] = process.argv.slice(2);
  const ctx = await openCtx(realDeps(cwd!));
  try {
    for (let i = 0; i < Number(countText); i++) {
      const { entry } = await addEntry(ctx, { body: `${label} entry ${i}`, title: `${label} ${i}`, agent: label });
      try {
        const r = await syncContext(ctx, { action: 'push', remote });
        process.stdout.write(`${JSON.stringify({ id: entry.id, pushed: true, attempts: r.attempts })}\n`);
      } catch (e) {
        process.stdout.write(`${JSON.stringify({ id: entry.id, pushed: false, error: e instanceof CtxError ? e.code : String(e) })}\n`);
      }
    }
  } finally {
    closeCtx(ctx);
  }
}

run().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exitCode = 1;
});
