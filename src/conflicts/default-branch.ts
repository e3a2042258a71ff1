/**
 * The branch work is measured against when there is no other session to measure against (publishing,
 * comparing with a session known only from its published metadata): `git config ctx.defaultBranch`,
 * else the remote's HEAD (`refs/remotes/origin/HEAD`, then any remote's), else origin's branch named
 * by `init.defaultBranch`, main, master, trunk or develop, else origin's only branch, else a local
 * branch by those names. One git call.
 *
 * A repository pushed to a new remote has no `origin/HEAD` (only `git clone` sets it), and its
 * default branch is whatever `init.defaultBranch` said when it was created: `trunk` is common.
 */
import type { GitRunner, RunOptions } from '../git/run.js';
import type { GitConfig } from '../git/config.js';
import { resolveRef } from '../git/refs.js';

const NAMES = ['main', 'master', 'trunk', 'develop'];

export interface DefaultBranch {
  ref: string;
  oid: string;
}

export async function defaultBranch(git: GitRunner, config: GitConfig, run: () => RunOptions = () => ({})): Promise<DefaultBranch | null> {
  const configured = config.get('ctx.defaultBranch')?.trim();
  if (configured) {
    const oid = await resolveRef(git, configured);
    return oid ? { ref: configured, oid } : null;
  }
  const init = config.get('init.defaultBranch')?.trim();
  const names = [...new Set([...(init ? [init] : []), ...NAMES])];
  const { stdout } = await git.run(['for-each-ref', '--format=%(refname)%00%(objectname)%00%(symref)%00%(objecttype)', 'refs/remotes/', ...names.map((n) => `refs/heads/${n}`)], run());
  const found = new Map<string, { oid: string; symref: string; type: string }>();
  for (const line of stdout.toString('utf8').split('\n')) {
    const [ref, oid, symref, type] = line.split('\0');
    if (ref && oid && type === 'commit') found.set(ref, { oid, symref: symref ?? '', type });
  }
  const remoteHeads = [...found.keys()].filter((r) => /^refs\/remotes\/[^/]+\/HEAD$/.test(r)).sort((a, b) => (a === 'refs/remotes/origin/HEAD' ? -1 : b === 'refs/remotes/origin/HEAD' ? 1 : a.localeCompare(b)));
  const originBranches = [...found.keys()].filter((r) => r.startsWith('refs/remotes/origin/') && r !== 'refs/remotes/origin/HEAD');
  const order = [...remoteHeads, ...names.map((n) => `refs/remotes/origin/${n}`), ...(originBranches.length === 1 ? originBranches : []), ...names.map((n) => `refs/heads/${n}`)];
  for (const ref of order) {
    const f = found.get(ref);
    if (f) return { ref: f.symref || ref, oid: f.oid };
  }
  return null;
}
