import { settle, splitNul, type GitRunner, type RunResult } from './run.js';
import { configArgs } from './probe.js';

/**
 * git-ctx's own settings, the user's identity, and the few settings of git's that decide whether
 * git-ctx may find the repository and read its branch from git's files (./locate.ts),
 * read with one `git config` call: includes, conditional includes and GIT_CONFIG_* make reading the
 * files ourselves wrong.
 */
export interface GitConfig {
  /** The value git resolves (the last one read), any scope. */
  get(key: string): string | undefined;
  /** The value from the repository's own config (scope `local` or `worktree`): what git's repository format reads. */
  local(key: string): string | undefined;
  /** Every key read (lower case), or those starting with `prefix`. */
  keys(prefix?: string): string[];
}

/** `pending`: the config run already started (./probe.ts). */
export async function readConfig(git: GitRunner, pending?: Promise<RunResult>): Promise<GitConfig> {
  const okStatus = [0, 1, 128];
  const { stdout } = await (pending ? settle(configArgs, pending, okStatus) : git.run(configArgs, { okStatus }));
  return parseConfig(stdout);
}

/** `git config -z --show-scope --get-regexp` output: `<scope>\0<key>\n<value>\0`, or `<key>\0` for a bare boolean. */
export function parseConfig(stdout: Buffer | string): GitConfig {
  const values = new Map<string, string>();
  const local = new Map<string, string>();
  const recs = splitNul(stdout);
  for (let i = 0; i + 1 < recs.length; i += 2) {
    const scope = recs[i]!;
    const rec = recs[i + 1]!;
    const nl = rec.indexOf('\n');
    const key = (nl < 0 ? rec : rec.slice(0, nl)).toLowerCase();
    const value = nl < 0 ? 'true' : rec.slice(nl + 1);
    // Later values override earlier ones (local over global), as git resolves them.
    values.set(key, value);
    if (scope === 'local' || scope === 'worktree') local.set(key, value);
  }
  return {
    get: (key) => values.get(key.toLowerCase()),
    local: (key) => local.get(key.toLowerCase()),
    keys: (prefix = '') => [...values.keys()].filter((k) => k.startsWith(prefix)),
  };
}
