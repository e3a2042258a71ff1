/**
 * Telling the writer what the secret screen did: kind and place on stderr, never the value.
 * Shared by every command that writes text (add today; handoff, send, regenerate pass the same
 * `allowSecrets` to Store.commit and report the same way).
 */
import type { Deps } from '../deps.js';
import type { Redaction } from '../model/secrets.js';
import { safe } from './output.js';

function place(r: Redaction): string {
  return `${safe(r.field, false)} at line ${r.line}, column ${r.column}`;
}

export function reportRedactions(deps: Deps, redactions: readonly Redaction[], kept: readonly Redaction[] = []): void {
  for (const r of redactions) deps.stderr(`git-ctx: redacted a secret (${r.kind}) in ${place(r)}\n`);
  if (redactions.length) deps.stderr('hint: the value was replaced by [REDACTED:<kind>] before it reached git; --allow-secrets stores text as given\n');
  for (const r of kept) deps.stderr(`git-ctx: warning: stored a possible secret (${r.kind}) in ${place(r)} as given (--allow-secrets)\n`);
}
