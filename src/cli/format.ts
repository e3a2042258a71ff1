import type { StoredEntry } from '../model/entry.js';
import { safe, type Output } from './output.js';

/** How many characters of an id the human output shows (time plus 15 random bits). */
export const SHORT_ID = 13;

function when(iso: string): string {
  return iso.replace('T', ' ').slice(0, 16);
}

/** `01jd8x3m5q7k2  2026-11-21 09:30  note        claude  Title` */
export function entryLine(out: Output, e: StoredEntry): string {
  return [out.paint('yellow', e.id.slice(0, SHORT_ID)), out.paint('dim', when(e.createdAt)), out.paint('cyan', e.kind.padEnd(10)), safe(e.agent, false).padEnd(8), safe(e.title, false)].join('  ');
}

/** The whole entry: a header of fields, then the body. */
export function entryFull(out: Output, e: StoredEntry): string {
  const rows: [string, string | null][] = [
    ['id', e.id],
    ['kind', e.kind],
    ['title', e.title],
    ['topic', e.topic],
    ['tags', e.tags.length ? e.tags.join(', ') : null],
    ['refs', e.refs.length ? e.refs.join(', ') : null],
    ['to', e.to],
    ['supersedes', e.supersedes.length ? e.supersedes.join(', ') : null],
    ['agent', e.agent],
    ['session', e.session],
    ['worktree', e.worktree],
    ['branch', e.branch],
    ['head', e.head],
    ['author', `${e.author.name} <${e.author.email}>`],
    ['created', e.createdAt],
    ['commit', e.commit],
  ];
  const head = rows.filter(([, v]) => v !== null && v !== '').map(([k, v]) => `${out.paint('bold', k.padEnd(11))}${safe(v!, false)}`);
  return `${head.join('\n')}\n\n${safe(e.body)}${e.body.endsWith('\n') ? '' : '\n'}`;
}
