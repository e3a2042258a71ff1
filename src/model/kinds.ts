/** `task` and `result` (what `task done` records) came later: earlier versions skip them, with a warning. */
export const KINDS = ['note', 'decision', 'postmortem', 'handoff', 'message', 'context', 'task', 'result'] as const;
export type Kind = (typeof KINDS)[number];

export function isKind(s: string): s is Kind {
  return (KINDS as readonly string[]).includes(s);
}
