/**
 * The branch work is measured against when there is no other session to measure against (publishing,
 * comparing with a session known only from its published metadata): `git config ctx.defaultBranch`,
 * else the remote's HEAD (`refs/remotes/origin/HEAD`, then any remote's), else origin/main,
 * origin/master, main, master. One git call.
 */
import type { GitRunner, RunOptions } from '../git/run.js';
import type { GitConfig } from '../git/config.js';
import { resolveRef } from '../git/refs.js';

const CANDIDATES = ['refs/remotes/origin/HEAD', 'refs/remotes/*/HEAD', 'refs/remotes/origin/main', 'refs/remotes/origin/master', 'refs/heads/main', 'refs/heads/master'];

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
  const { stdout } = await git.run(['for-each-ref', '--format=%(refname)%00%(objectname)%00%(symref)%00%(objecttype)', ...CANDIDATES], run());
  const found = new Map<string, { oid: string; symref: string; type: string }>();
  for (const line of stdout.toString('utf8').split('\n')) {
    const [ref, oid, symref, type] = line.split('\0');
    if (ref && oid) found.set(ref, { oid, symref: symref ?? '', type: type ?? '' });
  }
  const remoteHeads = [...found.keys()].filter((r) => /^refs\/remotes\/[^/]+\/HEAD$/.test(r)).sort((a, b) => (a === 'refs/remotes/origin/HEAD' ? -1 : b === 'refs/remotes/origin/HEAD' ? 1 : a.localeCompare(b)));
  for (const ref of [...remoteHeads, ...CANDIDATES.slice(2)]) {
    const f = found.get(ref);
    if (f && f.type === 'commit') return { ref: f.symref || ref, oid: f.oid };
  }
  return null;
}
