/**
 * Reading other sessions' published work in progress from the context branch, and turning a
 * published session back into a local commit when its objects are here.
 */
import type { Store } from '../store/store.js';
import { commitOnHead, type Snapshot } from './snapshot.js';
import { parseWip, WIP_ROOT, type WipRecord } from './wip.js';

/** The newest record of every key under state/wip/ (unreadable ones are skipped, with a warning). */
export async function readPublished(store: Store, warnings: string[]): Promise<WipRecord[]> {
  const tip = await store.tipCommit();
  if (!tip) return [];
  const root = await store.lookup(tip.tree, WIP_ROOT);
  if (!root || root.mode !== '40000') return [];
  const keys = (await store.readTree(root.oid)).filter((i) => i.mode === '40000');
  const records = await Promise.all(
    keys.map(async (k) => {
      const files = (await store.readTree(k.oid)).filter((i) => i.mode !== '40000' && i.name.endsWith('.json')).sort((x, y) => (x.name < y.name ? -1 : 1));
      const newest = files[files.length - 1];
      if (!newest) return null;
      const blob = await store.readBlob(newest.oid);
      try {
        const r = parseWip(blob?.toString('utf8') ?? '');
        return r.key === k.name ? r : null;
      } catch (e) {
        warnings.push(`skipping unreadable ${WIP_ROOT}/${k.name}/${newest.name}: ${(e as Error).message}`);
        return null;
      }
    }),
  );
  return records.filter((r): r is WipRecord => r !== null);
}

/**
 * A published session's state as a local commit, when its objects are here: its snapshot commit
 * (fetched through refs/ctx/wip/), or its tree and HEAD (nothing uncommitted, branch fetched). The
 * snapshot commit is deterministic, so the one rebuilt here is the one the other machine made.
 */
export async function materialize(store: Store, r: WipRecord): Promise<Snapshot | null> {
  const snap = await store.cat.read(r.snapshot);
  if (snap?.type === 'commit') return { commit: r.snapshot, tree: r.tree, head: r.head, dirty: r.snapshot !== r.head };
  const [tree, head] = await Promise.all([store.cat.read(r.tree), store.cat.read(r.head)]);
  if (tree?.type !== 'tree' || head?.type !== 'commit') return null;
  return commitOnHead({ head: r.head, writer: { commit: (c) => store.writeCommit(c) }, cat: store.cat }, r.tree);
}
