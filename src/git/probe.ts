/**
 * The first git processes every command needs, started before the rest of git-ctx is even loaded, so
 * that git works while Node parses the CLI (~15 ms on a small machine): repository discovery, settings,
 * and the object reader. `openCtx` picks them up; anything unused is closed at exit.
 */
import { GitRunner, type RunResult } from './run.js';
import { CatFile } from './cat-file.js';
import { discoveryArgs } from './repo.js';
import { configArgs } from './config.js';

export interface RepoProbe {
  discovery: Promise<RunResult>;
  config: Promise<RunResult>;
  cat: CatFile;
  /** Whether openCtx took the probe (and so owns the object reader). */
  taken: boolean;
}

export function startProbe(cwd: string, env: Record<string, string | undefined>): RepoProbe {
  const git = new GitRunner(cwd, env);
  const settle = (p: Promise<RunResult>) => {
    // Keep an early failure (git missing) from surfacing as an unhandled rejection before anyone awaits it.
    p.catch(() => {});
    return p;
  };
  return {
    discovery: settle(git.run(discoveryArgs, { okStatus: [0, 128] })),
    config: settle(git.run(configArgs, { okStatus: [0, 1, 128] })),
    cat: new CatFile(git).warm(),
    taken: false,
  };
}
