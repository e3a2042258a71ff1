/**
 * What git-ctx keeps on a remote, and where it keeps its copies (docs/data-model.md, "The remote").
 *
 * On the remote, for the context branch `<b>` (its name encoded as one ref component, see encodeName):
 *
 *     refs/heads/<b>                     the merged view: fast-forwarded by whoever can, never required
 *     refs/ctx/clones/<b>/<clone-id>     each clone's own history, only ever fast-forwarded by that clone
 *     refs/ctx/claims/<b>/<item-id>      one claim: created once, by the first push that names it
 *
 * Every clone writes only its own clone ref, so pushes never race each other; the one question that
 * needs a single answer across machines (who claimed an item) is a ref creation, which the remote
 * decides atomically. In this repository the remote's refs are copied under
 *
 *     refs/ctx/remotes/<remote>/<b>             the view
 *     refs/ctx/remote-clones/<remote>/<b>/*     every clone ref
 *     refs/ctx/remote-claims/<remote>/<b>/*     every claim ref
 *
 * Pure: names only.
 */
import { encodeName } from './state.js';

export const CLONES_ROOT = 'refs/ctx/clones/';
export const CLAIMS_ROOT = 'refs/ctx/claims/';

/** A clone id: random, lower-case base32, stable for the repository (.git/ctx/clone-id). */
export const CLONE_ID_RE = /^[0-9a-z]{8,40}$/;
/** An item that can be claimed: an entry id (or any id of the same alphabet). */
export const ITEM_RE = /^[0-9a-z]{10,64}$/;

/** The branch name as one ref component: `context` stays `context`, `team/ctx` becomes `team%2Fctx`. */
export function branchKey(branch: string): string {
  return encodeName(branch);
}

export function cloneRef(branch: string, cloneId: string): string {
  return `${CLONES_ROOT}${branchKey(branch)}/${cloneId}`;
}

export function claimRef(branch: string, item: string): string {
  return `${CLAIMS_ROOT}${branchKey(branch)}/${item}`;
}

/** The refs of one remote, as refspecs and local prefixes. `label` names the remote locally. */
export interface RemoteRefs {
  /** The remote's view branch, and its local copy. */
  view: string;
  viewCopy: string;
  /** Remote prefix of clone refs, and the prefix of their local copies. */
  clones: string;
  clonesCopy: string;
  claims: string;
  claimsCopy: string;
}

export function remoteRefs(branch: string, label: string): RemoteRefs {
  const key = branchKey(branch);
  return {
    view: `refs/heads/${branch}`,
    viewCopy: `refs/ctx/remotes/${label}/${branch}`,
    clones: `${CLONES_ROOT}${key}/`,
    clonesCopy: `refs/ctx/remote-clones/${label}/${key}/`,
    claims: `${CLAIMS_ROOT}${key}/`,
    claimsCopy: `refs/ctx/remote-claims/${label}/${key}/`,
  };
}

/** The refspecs of one fetch of everything: the view, every clone ref, every claim ref. */
export function fetchRefspecs(r: RemoteRefs): { view: string; globs: string[] } {
  return { view: `+${r.view}:${r.viewCopy}`, globs: [`+${r.clones}*:${r.clonesCopy}*`, `+${r.claims}*:${r.claimsCopy}*`] };
}
