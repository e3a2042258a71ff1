/**
 * A separate process that appends N entries through the core API (the same path `git ctx add` takes,
 * minus node start-up), printing one JSON line per acknowledged entry: {"id":..., "ms":...}.
 * Usage: node add-worker.cjs <cwd> <count> <label>
 */
import { openCtx, closeCtx } from '../../src/core/context.js';
import { addEntry } from '../../src/core/entries/add.js';
import { realDeps } from './real-deps.js';

async function run(): Promise<void> {
  const [cwd, countText, label] = process.argv.slice(2);
  const ctx = await openCtx(realDeps(cwd!));
  try {
    for (let i = 0; i < Number(countText); i++) {
      const t0 = performance.now();
      const { entry } = await addEntry(ctx, { body: `${label} entry ${i}`, title: `${label} ${i}`, tags: [label!], agent: label });
      process.stdout.write(`${JSON.stringify({ id: entry.id, ms: performance.now() - t0 })}\n`);
    }
  } finally {
    closeCtx(ctx);
  }
}

run().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exitCode = 1;
});
