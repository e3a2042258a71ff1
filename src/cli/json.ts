/**
 * The JSON shapes of the command line and MCP front ends. They are their own types, not the internal
 * objects: fields may be added, but none is renamed or removed once released.
 */
import type { StoredEntry } from '../model/entry.js';

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
