import { settle, splitNul, type GitRunner, type RunResult } from './run.js';
import { configArgs } from './probe.js';

/** git-ctx's own settings, the user's identity, init.defaultBranch and core.bare, read with one `git config` call. */
export interface GitConfig {
  get(key: string): string | undefined;
  /** Every key read (lower-case). */
  keys(): string[];
}

/** `pending`: the config run already started (./probe.ts). */
export async function readConfig(git: GitRunner, pending?: Promise<RunResult>): Promise<GitConfig> {
  const okStatus = [0, 1, 128];
  const { stdout } = await (pending ? settle(configArgs, pending, okStatus) : git.run(configArgs, { okStatus }));
  const values = new Map<string, string>();
  for (const rec of splitNul(stdout)) {
    const nl = rec.indexOf('\n');
    // Later values override earlier ones (local over global), as git resolves them.
    if (nl < 0) values.set(rec.toLowerCase(), 'true');
    else values.set(rec.slice(0, nl).toLowerCase(), rec.slice(nl + 1));
  }
  return { get: (key) => values.get(key.toLowerCase()), keys: () => [...values.keys()] };
}
