/**
 * scan: audit the context branch's whole history for secrets (storage invariant 7 looking back).
 *
 * Every blob and commit ever reachable from the branch is read (`git rev-list --objects`, trees left
 * out by `--filter=object:type=blob`, contents through the long-lived cat-file) and run through the
 * same detector the write path uses, plus the starts of secrets cut short (a title an older version cut
 * before redacting it). Entries written before redaction existed, with --allow-secrets, or by another
 * tool show up here, named by entry id, path and the commit that added them. Values are
 * never part of the result.
 */
import type { Ctx } from './context.js';
import { commitOfEntry } from './read.js';
import { idFromPath } from '../model/entry.js';
import { locateSecretsAndPartials, textForScan, type Redaction } from '../model/secrets.js';

export interface ScanFinding {
  /** A file's content or path (`blob`), or a commit's message and identity (`commit`). */
  object: 'blob' | 'commit';
  oid: string;
  /** The entry it belongs to, when it is one (from its path, or a commit's Ctx-Id trailer). */
  id: string | null;
  path: string | null;
  /** The commit that added the blob (the commit itself for `commit`). */
  commit: string | null;
  /** Kind and place of each secret (`field` is content, path or commit). */
  secrets: Redaction[];
}

export interface ScanResult {
  tip: string | null;
  commits: number;
  blobs: number;
  findings: ScanFinding[];
}

/** Objects read per batch: pipelined through one cat-file, bounded in memory. */
const BATCH = 512;
/** Histories smaller than this are read in well under a second: no progress line. */
const PROGRESS_FROM = 20_000;

/** The commit that introduced a blob that is not an entry file: the oldest commit that touches it. */
async function commitOfBlob(ctx: Ctx, tip: string, oid: string): Promise<string | null> {
  const out = await ctx.repo.git.text(['log', '--format=%H', `--find-object=${oid}`, tip, '--']);
  const lines = out.split('\n').filter(Boolean);
  return lines[lines.length - 1] ?? null;
}

export async function scanHistory(ctx: Ctx): Promise<ScanResult> {
  const tip = await ctx.store.tip();
  if (!tip) return { tip: null, commits: 0, blobs: 0, findings: [] };
  // Commits, then every blob with the first path it was seen at (the filter leaves trees out, and
  // commits too, except the tip: they come from the first listing).
  const [commitList, blobList] = await Promise.all([
    ctx.repo.git.text(['rev-list', tip, '--']),
    ctx.repo.git.text(['rev-list', '--objects', '--filter=object:type=blob', tip, '--']),
  ]);
  const objects: { oid: string; path: string | null }[] = commitList.split('\n').filter(Boolean).map((oid) => ({ oid, path: null }));
  for (const line of blobList.split('\n')) {
    const m = /^([0-9a-f]{40,64}) (.*)$/.exec(line);
    if (m) objects.push({ oid: m[1]!, path: m[2]! });
  }
  const findings: ScanFinding[] = [];
  let commits = 0;
  let blobs = 0;
  for (let at = 0; at < objects.length; at += BATCH) {
    const batch = objects.slice(at, at + BATCH);
    const read = await Promise.all(batch.map((o) => ctx.store.cat.read(o.oid)));
    batch.forEach((o, i) => {
      const obj = read[i];
      if (!obj) return;
      if (obj.type === 'commit') {
        commits++;
        const secrets = locateSecretsAndPartials('commit', textForScan(obj.content).text); // identity lines and message
        if (secrets.length) {
          const id = /^Ctx-Id: ([0-9a-z]{26})$/m.exec(obj.content.toString('utf8'))?.[1] ?? null;
          findings.push({ object: 'commit', oid: o.oid, id, path: null, commit: o.oid, secrets });
        }
      } else if (obj.type === 'blob') {
        blobs++;
        const secrets = [...(o.path ? locateSecretsAndPartials('path', o.path) : []), ...locateSecretsAndPartials('content', textForScan(obj.content).text)];
        if (secrets.length) findings.push({ object: 'blob', oid: o.oid, id: o.path ? idFromPath(o.path) : null, path: o.path, commit: null, secrets });
      }
    });
    if (objects.length > PROGRESS_FROM) ctx.deps.progress?.('scanning history', Math.min(at + BATCH, objects.length), objects.length);
  }
  for (const f of findings) {
    if (f.object === 'blob') f.commit = f.id ? ((await commitOfEntry(ctx, tip, f.id)) ?? (await commitOfBlob(ctx, tip, f.oid))) : await commitOfBlob(ctx, tip, f.oid);
  }
  return { tip, commits, blobs, findings };
}
