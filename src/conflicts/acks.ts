/**
 * Identities of overlaps, and acknowledgements. Pure.
 *
 * An overlap is identified by the two sessions' keys (sorted) and the path in the base: the same two
 * sessions on the same file keep the same id from scan to scan and from machine to machine. An ack is
 * a file `state/acks/<overlap-id>/<fingerprint>.json`, where the fingerprint hashes the content each
 * side has at that path (its blob id, or "deleted"). The ack silences the overlap only while both
 * sides keep that content: the next edit on either side changes the fingerprint, and the overlap is
 * reported again. Acks are immutable files like everything under state/, so concurrent acks commute.
 */
import { nodeCrypto } from '../builtins.js';

export const ACK_ROOT = 'state/acks';

function sha1(text: string): string {
  return nodeCrypto().createHash('sha1').update(text).digest('hex');
}

export interface SideState {
  key: string;
  /** The blob the side has at the path, null when it deleted it. */
  oid: string | null;
}

/** 12 hex characters, stable for (the pair of session keys, the base path). */
export function overlapId(keyA: string, keyB: string, path: string): string {
  const [lo, hi] = keyA < keyB ? [keyA, keyB] : [keyB, keyA];
  return sha1(`overlap\0${lo}\0${hi}\0${path}`).slice(0, 12);
}

/** 16 hex characters for what both sides hold now. */
export function contentFingerprint(a: SideState, b: SideState): string {
  const [lo, hi] = a.key < b.key ? [a, b] : [b, a];
  return sha1(`${lo.oid ?? 'deleted'}\0${hi.oid ?? 'deleted'}`).slice(0, 16);
}

export function ackPath(id: string, fingerprint: string): string {
  return `${ACK_ROOT}/${id}/${fingerprint}.json`;
}

/** Whether a file name in `state/acks/<id>/` acknowledges this fingerprint (a merge may add `~<hash>`). */
export function ackNameMatches(name: string, fingerprint: string): boolean {
  return name === `${fingerprint}.json` || name.startsWith(`${fingerprint}~`) || name.startsWith(`${fingerprint}.json~`);
}

export interface AckRecord {
  format: 1;
  overlap: string;
  path: string;
  fingerprint: string;
  sides: { key: string; session: string; path: string | null; oid: string | null }[];
  level: string;
  agent: string;
  session: string;
  ackedAt: string;
}

export function serializeAck(r: AckRecord): string {
  return `${JSON.stringify(r, null, 2)}\n`;
}
