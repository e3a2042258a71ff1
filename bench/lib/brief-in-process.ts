/**
 * `brief` called in process (open the store, build the brief, close), for bench/brief.mjs: the cost of
 * the work itself, without starting Node and loading the CLI. The first call warms the JIT and is left out.
 */
import { openCtx, closeCtx } from '../../src/core/context.js';
import { brief } from '../../src/core/brief/brief.js';
import { realDeps } from '../../test/helpers/real-deps.js';

export async function briefInProcess(cwd: string, env: Record<string, string>, runs: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t = performance.now();
    const ctx = await openCtx(realDeps(cwd, env));
    try {
      await brief(ctx, {});
    } finally {
      closeCtx(ctx);
    }
    if (i > 0) out.push(performance.now() - t);
  }
  return out;
}
