import type { Deps } from '../deps.js';

/**
 * A progress line on stderr for work that may take over a second: redrawn in place on a terminal,
 * otherwise one line when it starts and one when it ends, so logs stay short.
 */
export function progress(deps: Deps, label: string): { update(done: number, total: number): void; done(): void } {
  let started = false;
  let last = 0;
  return {
    update(done, total) {
      if (deps.stderrIsTTY) {
        const t = deps.now();
        if (t - last < 100 && done < total) return;
        last = t;
        deps.stderr(`\rgit-ctx: ${label} ${done}/${total}`);
        started = true;
      } else if (!started) {
        deps.stderr(`git-ctx: ${label} (${total})...\n`);
        started = true;
      }
    },
    done() {
      if (started && deps.stderrIsTTY) deps.stderr('\n');
    },
  };
}
