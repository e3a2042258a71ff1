/**
 * The JSON shapes of the command line and MCP front ends. They are their own types, not the internal
 * objects: fields may be added, but none is renamed or removed once released.
 */
import type { StoredEntry } from '../model/entry.js';
import type { AddResult } from '../core/entries/add.js';
import type { LogResult } from '../core/entries/log.js';
import type { ShowResult } from '../core/entries/show.js';
import type { SearchResult } from '../core/entries/search.js';
import type { HandoffResult } from '../core/mailbox/handoff.js';
import type { PickupResult } from '../core/mailbox/pickup.js';
import type { BriefResult } from '../core/brief/brief.js';
import type { InboxResult } from '../core/mailbox/inbox.js';
import type { AckResult } from '../core/conflicts/conflicts-ack.js';
import type { RegenerateResult } from '../core/regenerate.js';
import type { Redaction } from '../model/secrets.js';

export interface EntryJson {
  id: string;
  kind: string;
  title: string;
  body: string;
  topic: string | null;
  tags: string[];
  refs: string[];
  to: string | null;
  supersedes: string[];
  agent: string;
  session: string;
  worktree: string | null;
  branch: string | null;
  head: string | null;
  author: { name: string; email: string };
  createdAt: string;
  commit: string | null;
  path: string;
}

export function entryJson(e: StoredEntry): EntryJson {
  return {
    id: e.id,
    kind: e.kind,
    title: e.title,
    body: e.body,
    topic: e.topic,
    tags: e.tags,
    refs: e.refs,
    to: e.to,
    supersedes: e.supersedes,
    agent: e.agent,
    session: e.session,
    worktree: e.worktree,
    branch: e.branch,
    head: e.head,
    author: e.author,
    createdAt: e.createdAt,
    commit: e.commit,
    path: e.path,
  };
}

// ---------------------------------------------------------------------------------------------------
// Each command's result, as `--json` prints it (less `schemaVersion`) and as the MCP tools return it.

export function addJson(r: AddResult): Record<string, unknown> {
  return { id: r.entry.id, entry: entryJson(r.entry), attempts: r.attempts, redactions: r.redactions.map(redactionJson), secretsKept: r.secretsKept.map(redactionJson) };
}

export function logJson(r: LogResult): Record<string, unknown> {
  return { entries: r.entries.map(entryJson), more: r.more };
}

export function showJson(r: ShowResult): Record<string, unknown> {
  return { entry: entryJson(r.entry) };
}

export function searchJson(r: SearchResult): Record<string, unknown> {
  return { query: r.query, terms: r.terms, total: r.total, hits: r.hits.map((h) => ({ score: h.score, snippet: h.snippet, entry: entryJson(h.entry) })) };
}

export function handoffJson(r: HandoffResult): Record<string, unknown> {
  const logs = r.testLogs.map((l) => ({ file: l.file, format: l.report?.format ?? null, totals: l.report?.totals ?? null }));
  return { id: r.entry.id, entry: entryJson(r.entry), auto: r.auto, testLogs: logs };
}

export function pickupJson(r: PickupResult): Record<string, unknown> {
  return { session: r.session, agent: r.agent, peek: r.peek, handoffs: r.handoffs.map(entryJson), claimedElsewhere: r.claimedElsewhere, commit: r.commit, decidedBy: r.decidedBy, offline: r.offline };
}

export function briefJson(r: BriefResult): Record<string, unknown> {
  return { session: r.session, agent: r.agent, budget: r.budget, tokens: r.tokens, sections: r.sections };
}

export function sendJson(r: { entry: StoredEntry }): Record<string, unknown> {
  return { id: r.entry.id, entry: entryJson(r.entry) };
}

export function inboxJson(r: InboxResult): Record<string, unknown> {
  return { session: r.session, agent: r.agent, messages: r.messages.map((m) => ({ ...entryJson(m.entry), read: m.read })), more: r.more, marked: r.marked, commit: r.commit };
}

export function ackJson(r: AckResult): Record<string, unknown> {
  return { acked: r.acked, commit: r.commit };
}

export function regenerateJson(r: RegenerateResult, dryRun: boolean): Record<string, unknown> {
  return {
    dryRun,
    written: !!r.entry,
    nothingNew: r.nothingNew,
    id: r.entry?.id ?? null,
    title: r.title,
    body: r.body,
    refs: r.refs,
    range: r.point,
    commits: r.facts.commits,
    commitsTotal: r.facts.commitsTotal,
    files: r.facts.files,
    symbols: r.facts.symbols,
    symbolFilesSkipped: r.facts.symbolFilesSkipped,
    tests: r.facts.tests,
    uncommitted: r.facts.uncommitted && { staged: r.facts.uncommitted.staged, unstaged: r.facts.uncommitted.unstaged, untracked: r.facts.uncommitted.untracked },
    warnings: r.warnings,
    entry: r.entry && entryJson(r.entry),
  };
}

export interface RedactionJson {
  kind: string;
  field: string;
  line: number;
  column: number;
  /** Only in `scan`: the start of a secret cut short. */
  partial?: true;
}

export function redactionJson(r: Redaction): RedactionJson {
  return { kind: r.kind, field: r.field, line: r.line, column: r.column, ...(r.partial ? { partial: true as const } : {}) };
}
