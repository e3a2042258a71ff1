/**
 * add: validate, build one entry file, and commit it to the context branch.
 */
import type { Ctx, Identity, WhoOptions } from '../context.js';
import { maxBodyBytes, resolveIdentity } from '../context.js';
import { newId } from '../../model/id.js';
import { entryPath, serializeEntry, HEADER_ORDER, type EntryData, type StoredEntry } from '../../model/entry.js';
import { redactEntry, screenWhole, MARKER_PREFIX, type Redaction } from '../../model/secrets.js';
import { isKind, KINDS, type Kind } from '../../model/kinds.js';
import { checkBody, checkLabel, checkRef, checkTitle, checkWho, keepMarker, titleFromBody, uniq, LIMITS } from '../../model/validate.js';
import { showEntry } from './show.js';
import { markerPath, serializeMarker } from '../../model/task.js';
import { InvalidInputError, UsageError } from '../../errors.js';

export interface AddInput extends WhoOptions {
  kind?: string;
  title?: string;
  body: string;
  /**
   * The text a title is taken from when none is given (default: the body). Like the body, it is
   * screened for secrets whole, before its first line is cut to a title.
   */
  titleFrom?: string;
  topic?: string;
  tags?: readonly string[];
  refs?: readonly string[];
  to?: string;
  supersedes?: readonly string[];
  /**
   * Further header fields, written as JSON after the standard ones (for features that record facts
   * about an entry, e.g. the range a regenerated context covers). Keys are names (`[A-Za-z][\w-]*`)
   * that are not standard fields.
   */
  extra?: Record<string, unknown>;
  /** Store the text as given even where it looks like a secret. */
  allowSecrets?: boolean;
  /** An empty body is allowed (a task needs only its title). */
  emptyBody?: boolean;
}

export interface AddResult {
  entry: StoredEntry;
  attempts: number;
  /** Secrets replaced by `[REDACTED:<kind>]` (kind and place, never the value). */
  redactions: Redaction[];
  /** With allowSecrets: what looked like a secret and was stored as given. */
  secretsKept: Redaction[];
}

type CheckedInput = Omit<EntryData, 'id' | 'agent' | 'session' | 'worktree' | 'branch' | 'head' | 'author' | 'createdAt' | 'extra'>;

/**
 * Check and normalise everything the user gave, before any object is written. The title is left empty
 * when none was given: it is taken from the body only after the body was screened for secrets whole
 * (a first line cut to 80 characters can cut a token into a piece no rule recognises).
 */
export function checkAddInput(input: AddInput, maxBytes: number): CheckedInput {
  const kind = input.kind ?? 'note';
  if (!isKind(kind)) throw new UsageError(`unknown kind: ${kind}`, { code: 'E_KIND', hint: `kinds: ${KINDS.join(', ')}` });
  const body = input.emptyBody && !input.body.trim() ? '' : checkBody(input.body, maxBytes);
  const title = input.title?.trim() ? checkTitle(input.title) : '';
  if (!title && !titleFromBody(input.titleFrom ?? body)) throw new InvalidInputError('E_TITLE', 'the entry needs a title (-t) or a body whose first line can serve as one');
  const tags = uniq((input.tags ?? []).map((t) => checkLabel(t, 'tag')));
  if (tags.length > LIMITS.tags) throw new InvalidInputError('E_LABEL', `at most ${LIMITS.tags} tags`);
  const refs = uniq((input.refs ?? []).map(checkRef));
  if (refs.length > LIMITS.refs) throw new InvalidInputError('E_REF', `at most ${LIMITS.refs} --ref paths`);
  return {
    kind: kind as Kind,
    title,
    body,
    topic: input.topic === undefined ? null : checkLabel(input.topic, 'topic'),
    tags,
    refs,
    to: input.to === undefined ? null : checkWho(input.to),
    supersedes: uniq(input.supersedes ?? []),
  };
}

function checkExtra(extra: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (!/^[A-Za-z][\w-]*$/.test(k) || (HEADER_ORDER as readonly string[]).includes(k)) throw new InvalidInputError('E_HEADER', `not a header field an entry can add: ${k}`);
    out[k] = v;
  }
  return out;
}

/** Redactions to report for a title taken from screened text: one per marker it holds that the raw title did not. */
function markersIn(field: string, title: string, raw: string): Redaction[] {
  if (!title.includes(MARKER_PREFIX)) return [];
  const out: Redaction[] = [];
  const re = /\[REDACTED:([a-z0-9-]+)\]/g;
  for (let m = re.exec(title); m; m = re.exec(title)) if (!raw.includes(m[0])) out.push({ kind: m[1]!, field, line: 1, column: [...title.slice(0, m.index)].length + 1 });
  return out;
}

/** One line, as trailers and subjects need. */
function oneLine(s: string, max = 200): string {
  const line = s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return keepMarker(line, line.slice(0, max));
}

export function commitMessage(e: EntryData): string {
  const subject = oneLine(`${e.kind}: ${e.title}`, 72);
  const trailers = [`Ctx-Id: ${e.id}`, `Ctx-Kind: ${e.kind}`, `Ctx-Agent: ${oneLine(e.agent)}`, `Ctx-Session: ${oneLine(e.session)}`];
  return `${subject}\n\n${trailers.join('\n')}\n`;
}

/** The full ids of the decisions `--supersedes` names (unique prefixes allowed); each must exist. */
async function resolveSuperseded(ctx: Ctx, kind: Kind, ids: readonly string[]): Promise<string[]> {
  if (!ids.length) return [];
  if (kind !== 'decision') throw new UsageError('--supersedes is for decisions (-k decision)', { code: 'E_SUPERSEDES' });
  const out: string[] = [];
  for (const id of ids) {
    const { entry } = await showEntry(ctx, { id });
    if (entry.kind !== 'decision') throw new UsageError(`--supersedes ${id}: ${entry.id} is a ${entry.kind}, not a decision`, { code: 'E_SUPERSEDES', data: { id: entry.id, kind: entry.kind } });
    out.push(entry.id);
  }
  return uniq(out);
}

/** An entry checked, screened and serialised, ready to be committed (alone by addEntry, or with other files). */
export interface PreparedEntry {
  entry: EntryData;
  path: string;
  content: string;
  /** Secrets replaced field by field (the store's screen may add more). */
  redactions: Redaction[];
  secretsKept: Redaction[];
}

/** Check and build one entry without writing anything (`who`: the identity, when the caller has it). */
export async function prepareEntry(ctx: Ctx, input: AddInput, who?: Identity): Promise<PreparedEntry> {
  const checked = checkAddInput(input, maxBodyBytes(ctx));
  checked.supersedes = await resolveSuperseded(ctx, checked.kind, checked.supersedes);
  who ??= await resolveIdentity(ctx, input);
  const now = ctx.deps.now();
  const given: EntryData = {
    ...checked,
    id: newId(now, ctx.deps.random(10)),
    agent: who.agent,
    session: who.session,
    worktree: who.worktree,
    branch: who.branch,
    head: who.head,
    author: who.author,
    createdAt: new Date(now).toISOString(),
    extra: checkExtra(input.extra),
  };
  // Field by field first, so that each secret is reported by field and the redacted values are
  // encoded like any other text; Store.commit screens the serialised file again as the last net.
  const screened = redactEntry(given);
  if (!given.title) {
    // Taken from whole screened text: the body as just redacted, or the text named for it.
    const from = input.titleFrom;
    given.title = checkTitle(titleFromBody(from ?? given.body));
    const title = checkTitle(titleFromBody(from === undefined ? screened.entry.body : screenWhole(from)));
    screened.entry = { ...screened.entry, title };
    screened.redactions.unshift(...markersIn('title', title, given.title));
  }
  const entry = input.allowSecrets ? given : screened.entry;
  const path = entryPath(entry.id);
  return { entry, path, content: serializeEntry(entry), redactions: input.allowSecrets ? [] : screened.redactions, secretsKept: input.allowSecrets ? screened.redactions : [] };
}

export async function addEntry(ctx: Ctx, input: AddInput): Promise<AddResult> {
  const who = await resolveIdentity(ctx, input);
  const { entry, path, content, redactions, secretsKept } = await prepareEntry(ctx, input, who);
  const result = await ctx.store.commit({
    // A task is found through its marker (src/model/task.ts): `add -k task` makes one as `task add` does.
    add: [{ path, content, createOnly: true }, ...(entry.kind === 'task' ? [{ path: markerPath(entry.id), content: serializeMarker(entry.id, path), createOnly: true }] : [])],
    message: commitMessage(entry),
    author: who.author,
    allowSecrets: input.allowSecrets,
  });
  if (result.existing.length) throw new InvalidInputError('E_ID_TAKEN', `entry id ${entry.id} already exists`);
  return {
    entry: { ...entry, path, commit: result.commit },
    attempts: result.attempts,
    redactions: [...redactions, ...(input.allowSecrets ? [] : result.redactions)],
    secretsKept,
  };
}
