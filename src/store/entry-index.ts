/**
 * What core/ may ask of the derived entry index, and the shapes of its answers. Nothing else of the
 * index (its files, their encodings, how they are checked and rebuilt: see index-cache.ts and
 * docs/index.md) is visible outside src/store.
 *
 * Every question names the tip it is asked about: the index is brought up to that tip first (one
 * `git diff-tree` from the tip it reflects), or rebuilt from the branch when it has none, or when a
 * file of it fails its length or checksum check. It never answers from a file that failed.
 */
import type { Kind } from '../model/kinds.js';
import type { StoredEntry } from '../model/entry.js';

/**
 * An entry as far as choosing and listing it goes: who it is for and from, what it is about, what it
 * replaces, where it is. Whatever else is shown is read from the entry itself.
 */
export interface EntrySummary {
  readonly path: string;
  readonly id: string;
  readonly kind: Kind;
  readonly to: string | null;
  readonly session: string;
  readonly refs: readonly string[];
  readonly supersedes: readonly string[];
  readonly title: string;
  readonly agent: string;
  readonly topic: string | null;
  readonly tags: readonly string[];
  /** The entry file's blob. */
  readonly oid: string;
  /** The commit that added the entry, when known. */
  readonly commit: string | null;
}

/** What choosing handoffs, messages, decisions and postmortems for a session looks at. */
export type SlimSummary = Pick<EntrySummary, 'path' | 'id' | 'kind' | 'to' | 'session' | 'supersedes' | 'refs'>;

/**
 * One kind's entries, oldest first, one per id, by position: a filter over thousands of them
 * compares positions and numbers, and makes an object only for the entries it keeps (`at`).
 */
export interface PickList {
  readonly kind: Kind;
  readonly length: number;
  id(i: number): string;
  session(i: number): string;
  to(i: number): string | null;
  refs(i: number): readonly string[];
  supersedes(i: number): readonly string[];
  /** Positions of the entries that have refs (few). */
  withRefs(): number[];
  /** Every id some entry of the list supersedes. */
  superseded(): Set<string>;
  /** Positions whose recipient and session pass `test` (asked once per distinct pair). */
  where(test: (to: string | null, session: string) => boolean): number[];
  matching(test: (to: string | null, session: string) => boolean): SlimSummary[];
  /** The entry with this id, or null. */
  find(id: string): SlimSummary | null;
  at(i: number): SlimSummary;
  all(): SlimSummary[];
}

/**
 * The text `search` scans, lower-cased: one line per entry, `path \t blob \t commit \t title \t
 * labels \t body` (commit `-` when unknown; tabs and line breaks inside a field folded to a space),
 * in byte chunks. A path may occur twice (entries never change, so both lines say the same); paths in
 * `removed` are no longer on the branch.
 */
export interface SearchText {
  chunks: Buffer[];
  removed: Set<string>;
}

export interface IndexOptions {
  /** Called with (done, total) while reading many entries from the branch. */
  onProgress?: (done: number, total: number) => void;
  /** Called for entries that cannot be parsed (they are left out). */
  onWarning?: (message: string) => void;
}

export interface EntryIndex {
  /**
   * The tip the index on disk reflects, or null when there is none usable: the next question then
   * rebuilds it from every entry, which takes seconds on a large store. Callers with a deadline (agent
   * hooks) ask first.
   */
  cachedTip(): string | null;
  /** How many entries the index on disk holds (0 when there is none). */
  records(): number;
  /** Per kind, what choosing entries for a session needs (see PickList). */
  slimSummaries(tip: string, kinds: readonly Kind[], opts?: IndexOptions): Promise<Map<Kind, PickList>>;
  /**
   * Summaries of every entry of the given kinds, keyed by id (by path for a version a merge kept next
   * to the entry's usual path, so that both are there).
   */
  summaries(tip: string, kinds: readonly Kind[], opts?: IndexOptions): Promise<Map<string, EntrySummary>>;
  /** Whole entries, bodies included, by path, for the paths asked that the index holds. */
  entries(tip: string, paths: readonly string[], opts?: IndexOptions): Promise<Map<string, StoredEntry>>;
  searchText(tip: string, opts?: IndexOptions): Promise<SearchText>;
}
