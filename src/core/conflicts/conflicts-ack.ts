/**
 * conflicts ack: silence reported overlaps until either side edits the file again. Each ack is an
 * immutable file `state/acks/<overlap-id>/<fingerprint>.json` (src/conflicts/acks.ts); the scan
 * hides an overlap while an ack matches the content both sides hold now.
 */
import type { Ctx, WhoOptions } from '../context.js';
import { resolveIdentity } from '../context.js';
import { findConflicts, forgetCachedConflicts, type Overlap } from './conflicts.js';
import { ackPath, serializeAck, type AckRecord } from '../../conflicts/acks.js';
import { NotFoundError, UsageError } from '../../errors.js';

export interface AckInput extends WhoOptions {
  /** Overlap ids as `git ctx conflicts` shows them (a unique prefix of 4 or more characters is enough). */
  ids: readonly string[];
}

export interface AckResult {
  acked: { id: string; path: string; fingerprint: string; sessions: [string, string]; already: boolean }[];
  /** The context commit written, or null when every overlap was already acknowledged. */
  commit: string | null;
}

export async function ackConflicts(ctx: Ctx, input: AckInput): Promise<AckResult> {
  const ids = input.ids.map((id) => id.trim().toLowerCase());
  if (!ids.length) throw new UsageError('give the id of an overlap to acknowledge', { hint: 'ids are in the first column of git ctx conflicts' });
  for (const id of ids) if (!/^[0-9a-f]{4,12}$/.test(id)) throw new UsageError(`not an overlap id: ${JSON.stringify(id.slice(0, 40))}`, { code: 'E_BAD_ID', hint: 'overlap ids are 12 hex characters; a unique prefix of 4 or more is enough' });

  const who = await resolveIdentity(ctx, input);
  const scan = await findConflicts(ctx, { agent: input.agent, session: input.session, all: true });
  const chosen: Overlap[] = [];
  for (const id of ids) {
    const found = [...new Map(scan.overlaps.filter((o) => o.id.startsWith(id)).map((o) => [o.id, o])).values()];
    if (!found.length) throw new NotFoundError(`no current overlap ${id}`, { code: 'E_NO_OVERLAP', data: { id }, hint: 'list them with git ctx conflicts' });
    if (found.length > 1) throw new UsageError(`overlap id ${id} is ambiguous: ${found.map((o) => o.id).join(', ')}`, { code: 'E_AMBIGUOUS', data: { candidates: found.map((o) => o.id) } });
    if (!chosen.includes(found[0]!)) chosen.push(found[0]!);
  }

  const ackedAt = new Date(ctx.deps.now()).toISOString();
  let writes = chosen
    .filter((o) => !o.acked)
    .map((o) => {
      const record: AckRecord = {
        format: 1,
        overlap: o.id,
        path: o.path,
        fingerprint: o.fingerprint,
        sides: [o.a, o.b].map((s) => ({ key: s.key, session: s.session, path: s.path, oid: s.oid })),
        level: o.level,
        agent: who.agent,
        session: who.session,
        ackedAt,
      };
      return { path: ackPath(o.id, o.fingerprint), content: serializeAck(record), createOnly: true };
    });
  let commit: string | null = null;
  const subject = chosen.length === 1 ? `ack: ${chosen[0]!.path}` : `ack: ${chosen.length} overlaps`;
  while (writes.length) {
    const r = await ctx.store.commit({
      add: writes,
      message: `${subject.slice(0, 72)}\n\nCtx-Kind: ack\nCtx-Agent: ${who.agent}\nCtx-Session: ${who.session}\n`,
      author: who.author,
    });
    if (!r.existing.length) {
      commit = r.commit;
      break;
    }
    // Another session acknowledged the same state first: theirs stands; write the rest.
    writes = writes.filter((w) => !r.existing.includes(w.path));
  }
  forgetCachedConflicts(ctx);
  return {
    acked: chosen.map((o) => ({ id: o.id, path: o.path, fingerprint: o.fingerprint, sessions: [o.a.session, o.b.session], already: o.acked })),
    commit,
  };
}
