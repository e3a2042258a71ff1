/**
 * The brief's "Conflicts with other sessions" section: one item per current overlap between this
 * session's edits and another session's, once conflict detection exists. Until then there is nothing
 * to report and the section stays out of the brief.
 *
 * Contract for the provider: items newest first; `kind` names the level (file, hunk, symbol, merge);
 * `title` says what overlaps with whom in one line; `body` (optional) explains it; `id` is what
 * `git ctx conflicts ack ID` takes.
 */
import type { Ctx } from './context.js';
import type { Reader } from '../model/address.js';
import type { BriefItem } from '../model/brief-layout.js';

export async function conflictItems(_ctx: Ctx, _tip: string, _reader: Reader): Promise<BriefItem[]> {
  return [];
}
