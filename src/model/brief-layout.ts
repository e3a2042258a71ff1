/**
 * Laying out the brief within a token budget.
 *
 * Tokens are estimated as ceil(UTF-8 bytes / 4) of the exact text printed (about 4 characters per token
 * for English prose and code; counting bytes rather than characters over-estimates non-ASCII text,
 * which tokenizers also split finer, so the estimate errs on the side of staying under budget).
 *
 * Items come in sections, in priority order. Every item is shown in full, as a one-line index entry
 * (`- ID KIND TITLE (AGENT, DATE)`, which `git ctx show ID` expands), or not at all; a section that
 * leaves items out says how many in a last line. Waiting handoffs are never left out silently: each
 * gets at least its index line, and if the budget cannot hold even those, the brief lists what fits and
 * ends the section with the number of the others. Filling is greedy in priority order, measured on the
 * rendered text itself, so the result never exceeds the budget.
 *
 * Text written by sessions is quoted in fenced blocks whose fence is a run of backticks longer than any
 * run inside the body, so no line of the body can close the fence (CommonMark), and every other line
 * that carries entry data starts with a fixed marker (`### `, `- `, `by `), so none can open one.
 */
export interface BriefItem {
  id: string;
  kind: string;
  title: string;
  agent: string;
  session: string;
  createdAt: string;
  to?: string | null;
  /** One extra line of facts (what it supersedes, what files it is about). */
  detail?: string;
  /** The text shown in full; without it the item can only be an index line. */
  body?: string;
  /** A shorter text shown instead of `body` when the whole does not fit (a handoff's Summary and What still needs work). */
  excerpt?: string;
  /** Replaces the standard index line (for items that are a fact rather than an entry). */
  line?: string;
}

export interface BriefSection {
  key: string;
  title: string;
  items: BriefItem[];
  /** Items of this section that exist beyond `items` (not offered at all). */
  more?: number;
  /** Where to see everything of this section (a command). */
  moreHint?: string;
  /** Every item must be shown at least as an index line. */
  mandatory?: boolean;
}

export type Shown = 'full' | 'excerpt' | 'index' | 'omitted';

export interface BriefLayout {
  text: string;
  tokens: number;
  budget: number;
  /** For each section, how each offered item was shown. */
  plan: Shown[][];
}

export const MIN_BUDGET = 100;

export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 4);
}

const CONTROL_RE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Control characters and escape sequences become visible escapes (\x1b), never interpreted. */
export function neutralize(text: string, keepNewlines = true): string {
  const s = text.replace(/\r\n/g, '\n').replace(CONTROL_RE, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return keepNewlines ? s : s.replace(/\n+/g, ' ');
}

/** A backtick fence longer than any backtick run in `body` (at least three). */
export function fenceFor(body: string): string {
  let longest = 0;
  for (const m of body.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  return '`'.repeat(Math.max(3, longest + 1));
}

function day(iso: string): string {
  return iso.slice(0, 10);
}

function minute(iso: string): string {
  return iso.length >= 16 ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso;
}

export function indexLine(item: BriefItem): string {
  if (item.line) return `- ${neutralize(item.line, false)}\n`;
  return `- ${item.id} ${item.kind} ${neutralize(item.title, false)} (${neutralize(item.agent, false)}, ${day(item.createdAt)})\n`;
}

export function fullItem(item: BriefItem): string {
  const body = neutralize(item.body ?? '').replace(/\n+$/, '');
  const fence = fenceFor(body);
  const to = item.to ? `, to ${neutralize(item.to, false)}` : '';
  const detail = item.detail ? `${neutralize(item.detail, false)}\n` : '';
  return `### ${item.kind} ${item.id}: ${neutralize(item.title, false)}\nby ${neutralize(item.agent, false)} (session ${neutralize(item.session, false)}), ${minute(item.createdAt)}${to}\n${detail}${fence}text\n${body}\n${fence}\n\n`;
}

function renderSection(s: BriefSection, plan: readonly Shown[]): string {
  const full = s.items.flatMap((item, i) => (plan[i] === 'full' ? [item] : plan[i] === 'excerpt' ? [{ ...item, body: `${item.excerpt}\n\n(an excerpt: \`git ctx show ${item.id}\` prints the whole)` }] : []));
  const index = s.items.filter((_, i) => plan[i] === 'index');
  const left = plan.filter((p) => p === 'omitted').length + (s.more ?? 0);
  const hint = s.moreHint ? ` (${s.moreHint})` : '';
  if (!full.length && !index.length) return left ? `## ${s.title}: ${left} not shown${hint}\n\n` : '';
  let out = `## ${s.title}\n\n`;
  for (const item of full) out += fullItem(item);
  for (const item of index) out += indexLine(item);
  if (left) out += `- … ${left} more not shown${hint}\n`;
  if (index.length || left) out += '\n';
  return out;
}

/** Fit the sections into `budget` tokens (see the module comment for the rules). */
export function layoutBrief(header: string, sections: readonly BriefSection[], budget: number): BriefLayout {
  const limit = budget * 4;
  const bytes = (t: string) => Buffer.byteLength(t, 'utf8');
  // Sizes are kept per section, so a trial re-renders one section; the sum is exact but for the
  // trailing blank line the final text drops, so it can only over-estimate.
  const fill = (secs: readonly BriefSection[], plan: Shown[][], upgrade: boolean): void => {
    const size = secs.map((s, i) => bytes(renderSection(s, plan[i]!)));
    let total = bytes(header) + size.reduce((a, b) => a + b, 0);
    const tryShow = (i: number, j: number, how: Shown): boolean => {
      const before = plan[i]![j]!;
      plan[i]![j] = how;
      const next = bytes(renderSection(secs[i]!, plan[i]!));
      if (total - size[i]! + next <= limit) {
        total += next - size[i]!;
        size[i] = next;
        return true;
      }
      plan[i]![j] = before;
      return false;
    };
    secs.forEach((s, i) => {
      for (let j = 0; j < s.items.length; j++) {
        if (upgrade && s.items[j]!.body !== undefined && tryShow(i, j, 'full')) continue;
        if (upgrade && s.items[j]!.excerpt !== undefined && tryShow(i, j, 'excerpt')) continue;
        if (plan[i]![j] === 'index' || tryShow(i, j, 'index')) continue;
        break; // the rest of this section is counted in its last line
      }
    });
  };
  const finish = (secs: readonly BriefSection[], plan: Shown[][]): BriefLayout => {
    const text = (header + secs.map((s, i) => renderSection(s, plan[i]!)).join('')).replace(/\n+$/, '\n');
    return { text, tokens: estimateTokens(text), budget, plan };
  };

  const plan: Shown[][] = sections.map((s) => s.items.map((): Shown => (s.mandatory ? 'index' : 'omitted')));
  const first = finish(sections, plan);
  if (bytes(first.text) <= limit) {
    fill(sections, plan, true);
    return finish(sections, plan);
  }
  // Not even the index lines of the mandatory items fit: list as many as fit, count the others, and
  // leave every other section out.
  const kept = sections.map((s) => (s.mandatory ? s : { ...s, items: [], more: 0 }));
  const small: Shown[][] = kept.map((s) => s.items.map((): Shown => 'omitted'));
  fill(kept, small, false);
  return { ...finish(kept, small), plan: sections.map((s, i) => (s.mandatory ? small[i]! : s.items.map((): Shown => 'omitted'))) };
}
