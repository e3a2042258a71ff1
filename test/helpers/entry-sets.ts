/**
 * A model of the file sets real writers put on the context branch, for merge property tests: what
 * each command adds or removes, as paths and blob ids (sha1 of a content string), with no git.
 *
 * - add, handoff, send: a new entry at a unique path (`entries/<id>.md`);
 * - the same entry written on two clones (one fetched it from a third): same path, same content;
 * - pickup: a claim at `state/consumed/<handoff>`, create-only: only while the handoff has no claim
 *   (nor a kept second version of one) on this clone, so two clones claiming apart write the same path
 *   with different contents;
 * - inbox --mark-read: a receipt at `state/read/<reader>/<message>`, once per reader on a clone (a
 *   reader's session id can exist on two machines);
 * - conflicts ack: `state/acks/<overlap>/<fingerprint>.json`, create-only;
 * - publish: `state/wip/<key>/<id>.json`, removing the older files of its key (one writer per key);
 * - gc: a consumed handoff or a read message removed with all its state files, second versions included;
 * - a merge: another clone forked from some point, both wrote, and one merged the other (a real
 *   three-way merge against the fork point, so sides and bases may hold `~hash` second versions).
 */
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { mergeFiles } from '../../src/model/merge.js';

export type Files = Map<string, string>;

export type Op =
  | { op: 'note' | 'handoff' | 'message' | 'wip' }
  | { op: 'shared' | 'claim' | 'ack' | 'gc'; n: number }
  | { op: 'read'; n: number; reader: number }
  | { op: 'fork'; mine: Op[]; theirs: Op[] };

const leaf: fc.Arbitrary<Op> = fc.oneof(
  fc.constantFrom<Op>({ op: 'note' }, { op: 'handoff' }, { op: 'message' }, { op: 'wip' }),
  fc.record({ op: fc.constantFrom('shared' as const, 'ack' as const), n: fc.nat(2) }),
  fc.record({ op: fc.constantFrom('claim' as const, 'gc' as const), n: fc.nat(5) }),
  fc.record({ op: fc.constant('read' as const), n: fc.nat(5), reader: fc.nat(1) }),
);

/** A writer's sequence of commands, now and then interrupted by a merge with another clone. */
export const writes: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    { weight: 6, arbitrary: leaf },
    { weight: 1, arbitrary: fc.tuple(fc.array(leaf, { maxLength: 5 }), fc.array(leaf, { maxLength: 5 })).map(([mine, theirs]): Op => ({ op: 'fork', mine, theirs })) },
  ),
  { maxLength: 8 },
);

const blob = (content: string) => createHash('sha1').update(content).digest('hex');
/** `state/consumed/<id>~<hash>` -> `<id>`, `entries/<id>.md` -> `<id>`. */
const itemOf = (path: string) => path.slice(path.lastIndexOf('/') + 1).split('~')[0]!.replace(/\.(md|json)$/, '');

/** Writes applied by one clone; `clock` gives unique ids (and distinct contents) across all clones. */
export function applyWrites(writer: string, start: Files, ops: readonly Op[], clock = { t: 0 }): Files {
  let files = new Map(start);
  const entries = (kind: string) => [...files.keys()].filter((p) => p.startsWith(`entries/${kind}-`) && !p.includes('~')).map(itemOf).sort();
  const stateOf = (dir: string, id: string) => [...files.keys()].filter((p) => p.startsWith(dir) && itemOf(p) === id);
  const pick = <T>(list: T[], n: number) => list[n % Math.max(1, list.length)];
  for (const o of ops) {
    const t = clock.t++;
    switch (o.op) {
      case 'note':
      case 'handoff':
      case 'message':
        files.set(`entries/${o.op}-${t}.md`, blob(`${o.op} ${t} by ${writer}`));
        break;
      case 'shared':
        files.set(`entries/shared-${o.n}.md`, blob(`shared ${o.n}`));
        break;
      case 'claim': {
        const h = pick(entries('handoff'), o.n);
        if (h && !stateOf('state/consumed/', h).length) files.set(`state/consumed/${h}`, blob(`claim of ${h} by ${writer} at ${t}`));
        break;
      }
      case 'read': {
        const m = pick(entries('message'), o.n);
        const path = `state/read/r${o.reader}/${m}`;
        if (m && !files.has(path)) files.set(path, blob(`${m} read by r${o.reader} on ${writer} at ${t}`));
        break;
      }
      case 'ack':
        if (!stateOf(`state/acks/ov${o.n}/`, 'fp').length) files.set(`state/acks/ov${o.n}/fp.json`, blob(`ack ${o.n} by ${writer} at ${t}`));
        break;
      case 'wip':
        for (const p of [...files.keys()]) if (p.startsWith(`state/wip/${writer}/`)) files.delete(p);
        files.set(`state/wip/${writer}/${t}.json`, blob(`wip of ${writer} at ${t}`));
        break;
      case 'gc': {
        const settled = [...entries('handoff').filter((h) => stateOf('state/consumed/', h).length), ...entries('message').filter((m) => stateOf('state/read/', m).length)];
        const x = pick(settled, o.n);
        if (x) for (const p of [...files.keys()]) if (itemOf(p) === x && !p.startsWith('state/acks/')) files.delete(p);
        break;
      }
      case 'fork': {
        const at = files;
        files = mergeFiles(at, applyWrites(writer, at, o.mine, clock), applyWrites(`${writer}.${t}`, at, o.theirs, clock)).files;
        break;
      }
    }
  }
  return files;
}

export interface EntrySetWorld {
  /** The common base of a, b and c: itself a merge, so it may hold kept second versions. */
  base: Files;
  a: Files;
  b: Files;
  c: Files;
}

/** Three clones that forked from one base (itself written by two clones and merged) and wrote apart. */
export const entrySetWorld: fc.Arbitrary<EntrySetWorld> = fc.tuple(writes, writes, writes, writes, writes, writes).map(([o, x, y, a, b, c]) => {
  const clock = { t: 0 };
  const base = applyWrites('origin', new Map(), [...o, { op: 'fork', mine: x, theirs: y }], clock);
  return { base, a: applyWrites('a', base, a, clock), b: applyWrites('b', base, b, clock), c: applyWrites('c', base, c, clock) };
});
