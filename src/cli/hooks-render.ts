import type { Output } from './output.js';
import type { HooksResult } from '../hooks/install.js';

/** What `init --hooks [--uninstall]` did, for people. */
export function renderHooks(out: Output, r: HooksResult, uninstall: boolean): void {
  if (uninstall) {
    out.text(r.removed.length ? `Removed git-ctx from ${r.dir}: ${r.removed.join(', ')}.` : `No git-ctx hooks in ${r.dir}.`);
    return;
  }
  out.text(`Git hooks in ${r.dir}${r.hooksPath ? ' (core.hooksPath)' : ''}: ${[...r.installed, ...r.chained].join(', ')}.`);
  if (r.chained.length) out.text(`Chained into your existing hooks: ${r.chained.join(', ')}.`);
  if (r.forwarded.length) out.text(`Your other hooks still run: ${r.forwarded.join(', ')}.`);
  out.text('Remove them with: git ctx init --hooks --uninstall');
}
