/**
 * The `state/` tree: small immutable files that record changes of state (storage invariant 4), so that
 * concurrent changes commute and a merge of two histories (the union of their files) is right by
 * construction. See docs/data-model.md, "State files".
 *
 *     state/consumed/YYYY/MM/<handoff-id>             a claim: the handoff was picked up
 *     state/read/<reader>/YYYY/MM/<message-id>        a read receipt of one session
 *
 * YYYY/MM is the UTC month of the handoff's or message's id (not of the claim), so every claimer of one
 * handoff computes the same path and the compare-and-swap decides between them. Receipts are grouped by
 * reader first: "what has this session read" is one small subtree. `<reader>` is the session id with
 * every byte outside [A-Za-z0-9._@+-] written as %XX (so `/`, `:` and `~` never reach a tree name).
 *
 * A merge that meets one path with different content on the two sides keeps both (invariant 6): the
 * second copy is named `<name>~<suffix>`. Readers treat every `<name>~...` as another version of
 * `<name>`; for claims, the winner rule in claims.ts decides between versions.
 */
import { idTime, isId } from './id.js';

export const CONSUMED_DIR = 'state/consumed';
export const READ_DIR = 'state/read';

/** "YYYY/MM" (UTC) of an entry id. */
export function monthShard(id: string): string {
  const d = new Date(idTime(id));
  return `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function claimPath(handoffId: string): string {
  return `${CONSUMED_DIR}/${monthShard(handoffId)}/${handoffId}`;
}

export function receiptDir(reader: string): string {
  return `${READ_DIR}/${encodeName(reader)}`;
}

export function receiptPath(reader: string, messageId: string): string {
  return `${receiptDir(reader)}/${monthShard(messageId)}/${messageId}`;
}

const KEEP_RE = /[A-Za-z0-9._@+-]/;

/** A session id as one tree name: bytes outside [A-Za-z0-9._@+-] (and a leading dot) become %XX. */
export function encodeName(s: string): string {
  let out = '';
  for (const ch of s) {
    if (KEEP_RE.test(ch) && !(out === '' && ch === '.')) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function decodeName(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The name a merge-kept version stands for: `<id>~<suffix>` -> `<id>`. */
export function baseName(name: string): string {
  const tilde = name.indexOf('~');
  return tilde < 0 ? name : name.slice(0, tilde);
}

/** A claim on a handoff (the content of a file under state/consumed/). */
export interface Claim {
  handoff: string;
  session: string;
  agent: string;
  /** ISO time, from the claimer's clock. */
  claimedAt: string;
  /**
   * Random, so that no two claims are ever the same bytes: the store takes a create-only file already
   * there with the same bytes for the writer's own (landed by a holder of the lock that was killed
   * before answering), and two pickups of one session in one millisecond must still not both win.
   */
  token?: string;
  /**
   * Decided by the remote (its claim ref, or its shared branch, took this claim first): wins over any
   * claim made offline (src/model/claims.ts). Absent on offline and local claims.
   */
  remote?: boolean;
}

/** A read receipt (the content of a file under state/read/). */
export interface Receipt {
  message: string;
  reader: string;
  agent: string;
  readAt: string;
}

export function serializeClaim(c: Claim): string {
  return `${JSON.stringify({ handoff: c.handoff, session: c.session, agent: c.agent, claimedAt: c.claimedAt, ...(c.token === undefined ? {} : { token: c.token }), ...(c.remote ? { remote: true } : {}) })}\n`;
}

export function serializeReceipt(r: Receipt): string {
  return `${JSON.stringify({ message: r.message, reader: r.reader, agent: r.agent, readAt: r.readAt })}\n`;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * Parse a claim file. `handoff` falls back to the file's name, so a claim is never lost to a damaged
 * field; null when the content is not a claim at all.
 */
export function parseClaim(text: string, nameId: string): Claim | null {
  const o = parseObject(text);
  if (!o) return null;
  const handoff = str(o.handoff) ?? nameId;
  if (!isId(handoff)) return null;
  const token = str(o.token);
  return { handoff, session: str(o.session) ?? '', agent: str(o.agent) ?? '', claimedAt: str(o.claimedAt) ?? '', ...(token === null ? {} : { token }), ...(o.remote === true ? { remote: true } : {}) };
}

export function parseReceipt(text: string, nameId: string, reader: string): Receipt | null {
  const o = parseObject(text);
  if (!o) return null;
  return { message: str(o.message) ?? nameId, reader: str(o.reader) ?? reader, agent: str(o.agent) ?? '', readAt: str(o.readAt) ?? '' };
}
