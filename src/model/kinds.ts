export const KINDS = ['note', 'decision', 'postmortem', 'handoff', 'message', 'context'] as const;
export type Kind = (typeof KINDS)[number];

export function isKind(s: string): s is Kind {
  return (KINDS as readonly string[]).includes(s);
}
