import { settle, splitNul, type GitRunner, type RunResult } from './run.js';
import { configArgs } from './probe.js';
import { configFromEntries, type ConfigEntry, type GitConfig } from './config-files.js';

/**
 * git-ctx's own settings, the user's identity, and the few settings of git's that decide whether
 * git-ctx may find the repository and read its branch from git's files (./locate.ts): read from git's
 * files where they settle it (./config-files.ts), else with one `git config` call.
 */
export type { GitConfig } from './config-files.js';

/** `pending`: the config run already started (./probe.ts). */
export async function readConfig(git: GitRunner, pending?: Promise<RunResult>): Promise<GitConfig> {
  const okStatus = [0, 1, 128];
  const { stdout } = await (pending ? settle(configArgs, pending, okStatus) : git.run(configArgs, { okStatus }));
  return parseConfig(stdout);
}

/** `git config -z --show-scope --get-regexp` output: `<scope>\0<key>\n<value>\0`, or `<scope>\0<key>\0` for a bare boolean. */
export function parseConfig(stdout: Buffer | string): GitConfig {
  return configFromEntries(configEntries(stdout));
}

/** The entries of `git config -z --show-scope --get-regexp` output, in its order. */
export function configEntries(stdout: Buffer | string): ConfigEntry[] {
  const out: ConfigEntry[] = [];
  const recs = splitNul(stdout);
  for (let i = 0; i + 1 < recs.length; i += 2) {
    const rec = recs[i + 1]!;
    const nl = rec.indexOf('\n');
    out.push({ scope: recs[i] as ConfigEntry['scope'], key: nl < 0 ? rec : rec.slice(0, nl), value: nl < 0 ? null : rec.slice(nl + 1) });
  }
  return out;
}
