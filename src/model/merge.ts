/**
 * The merge rules for two context histories (storage invariant 6), as pure functions over file
 * versions, so that they can be reasoned about and property-tested apart from git.
 *
 * A version is a blob id (its content hash), or null when the path is absent. For every path, given
 * its version in the merge base and on the two sides:
 *
 * 1. both sides agree: that version (present or absent);
 * 2. one side left it as in the base: the other side's version, so a deletion made on one side
 *    (retention) wins over the unchanged other side;
 * 3. one side deleted it and the other changed it: the changed version (nothing is lost);
 * 4. both sides hold different content: both are kept. The version with the smaller blob id stays at
 *    the path and the other moves next to it as `<name>~<first 12 hex of its blob id>.<ext>`.
 *
 * Rule 4 depends only on the contents, never on which side is "ours", so every clone that merges the
 * same two tips writes the same tree. Properties (test/merge.test.ts checks them with fast-check):
 * commutative; idempotent (merge(o, a, a) = a, merge(a, a, b) = b); every version a side added or
 * changed survives; associative over changes from one base, except when the base holds a kept second
 * version (`~hash`) that a side deletes or rewrites while a conflict elsewhere recreates it (same
 * name, same content): the grouping then decides whether the deletion or the re-creation is seen
 * first. Writers never rewrite a file, create files only under new names, and retention removes a
 * file with all its versions, so for the file sets they make (entries, claims, receipts, acks,
 * published work) the merge is commutative, associative and idempotent without exception. No rule
 * produces conflict markers or needs a person. Entries are immutable and uniquely named, so in
 * practice rules 1 and 2 decide almost everything; rule 4 is for files that two writers created under
 * one name (two clones claiming one handoff apart, say).
 */

/** A file's blob id, or null when the path is absent. */
export type Version = string | null;

export interface Sides {
  base: Version;
  ours: Version;
  theirs: Version;
}

/** How many hex digits of the blob id name a kept second version. */
export const VARIANT_HASH_CHARS = 12;

/**
 * Where a second version of `path` is kept: `~<hash>` inserted before the extension of the last
 * segment (`entries/.../<id>.md` -> `entries/.../<id>~<hash>.md`, `state/x` -> `state/x~<hash>`).
 */
export function variantPath(path: string, oid: string): string {
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash + 1);
  const name = path.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  const tag = `~${oid.slice(0, VARIANT_HASH_CHARS)}`;
  return dot > 0 ? `${dir}${name.slice(0, dot)}${tag}${name.slice(dot)}` : `${dir}${name}${tag}`;
}

/** The path a version kept by a merge (variantPath) stands beside; any other path as it is. */
export function unvariantPath(path: string): string {
  const slash = path.lastIndexOf('/');
  const m = new RegExp(`^(.+)~[0-9a-f]{${VARIANT_HASH_CHARS}}(\\.[^.~/]*)?$`).exec(path.slice(slash + 1));
  return m ? `${path.slice(0, slash + 1)}${m[1]}${m[2] ?? ''}` : path;
}

/** The files one path turns into after a merge: none, the path itself, or the path and one variant. */
export function resolvePath(path: string, s: Sides): Array<[path: string, oid: string]> {
  const { base, ours, theirs } = s;
  if (ours === theirs) return ours === null ? [] : [[path, ours]];
  if (ours === base) return theirs === null ? [] : [[path, theirs]];
  if (theirs === base) return ours === null ? [] : [[path, ours]];
  if (ours === null) return [[path, theirs!]];
  if (theirs === null) return [[path, ours]];
  const [keep, other] = ours < theirs ? [ours, theirs] : [theirs, ours];
  return [
    [path, keep],
    [variantPath(path, other), other],
  ];
}

export interface FileSetMerge {
  files: Map<string, string>;
  /** Paths where a second version was kept (rule 4). */
  keptBoth: string[];
}

/**
 * Merge a set of paths (a whole flattened tree, or the names of one directory: variants stay in the
 * directory of their path, so the rule works level by level). If a variant's name is already taken by
 * different content, the smaller blob id keeps the name and the other moves on to its own variant.
 */
export function mergeFileSet(paths: Iterable<[path: string, sides: Sides]>): FileSetMerge {
  const claims = new Map<string, Set<string>>();
  const claim = (path: string, oid: string) => {
    let set = claims.get(path);
    if (!set) claims.set(path, (set = new Set()));
    set.add(oid);
  };
  const keptBoth: string[] = [];
  for (const [path, sides] of paths) {
    const files = resolvePath(path, sides);
    for (const [p, oid] of files) claim(p, oid);
    if (files.length > 1) keptBoth.push(files[1]![0]);
  }
  // A variant can land on a path already visited: repeat until every path holds one version.
  for (let settled = false; !settled; ) {
    settled = true;
    for (const [path, set] of claims) {
      if (set.size < 2) continue;
      settled = false;
      const [keep, ...others] = [...set].sort();
      claims.set(path, new Set([keep!]));
      for (const oid of others) {
        const v = variantPath(path, oid);
        claim(v, oid);
        keptBoth.push(v);
      }
    }
  }
  const files = new Map<string, string>();
  for (const [path, set] of claims) files.set(path, [...set][0]!);
  return { files, keptBoth: keptBoth.sort() };
}

/** Three-way merge of two flattened trees (path -> blob id) against their base. */
export function mergeFiles(base: ReadonlyMap<string, string>, ours: ReadonlyMap<string, string>, theirs: ReadonlyMap<string, string>): FileSetMerge {
  const paths = new Set([...base.keys(), ...ours.keys(), ...theirs.keys()]);
  return mergeFileSet([...paths].sort().map((p) => [p, { base: base.get(p) ?? null, ours: ours.get(p) ?? null, theirs: theirs.get(p) ?? null }]));
}
