/**
 * The text of the hook scripts `git ctx init --hooks` writes (POSIX sh, no bashisms), and the pure
 * helpers that recognise and edit them.
 *
 * Three kinds of file, all marked `# git-ctx-managed: <kind>` on their second line:
 *
 * - `git-ctx-run`, the runner every hook goes through. It keeps hook isolation: it runs the user's own
 *   hook first (unchanged, with the same arguments and stdin), then git-ctx's part with its output
 *   captured to a file, a watchdog that kills it after `ctx.hookTimeout` seconds (default 10), and its
 *   exit status ignored. A git-ctx that is missing, crashes or hangs never fails, blocks or hangs the
 *   user's git command; it only costs a warning on stderr. Its exit status is the user's hook's, with
 *   one exception, which needs three things at once: the hook is pre-commit, `git config
 *   ctx.conflicts.block` is set, and git-ctx refused deliberately: it exited 1 *and* created the file
 *   the runner named in GIT_CTX_HOOK_REFUSE (exit 1 alone may be a crash: node exits 1 on an uncaught
 *   error). Then the commit is refused. A timeout (killed: 128+), any other status, or a missing file
 *   never stops anything.
 * - a hook (`pre-push`, ...): one line handing over to the runner.
 * - a forwarder, for hooks the user had in the hooks directory that setting `core.hooksPath` would
 *   otherwise silently turn off: it runs the original.
 *
 * A hook file the user already has in the hooks directory in use is not replaced: a marked block is
 * inserted after its `#!` line that hands over to the runner, which runs the rest of the file as the
 * user's hook. Removing the block restores the file byte for byte.
 */

export const MARKER = '# git-ctx-managed:';
export const RUNNER_NAME = 'git-ctx-run';
export const BLOCK_BEGIN = '# >>> git-ctx >>>';
export const BLOCK_END = '# <<< git-ctx <<<';
export const DEFAULT_HOOK_TIMEOUT_S = 10;

/** Client-side hooks a user may have that git runs from the hooks directory (forwarded when present). */
export const CLIENT_HOOKS = [
  'applypatch-msg',
  'pre-applypatch',
  'post-applypatch',
  'pre-commit',
  'pre-merge-commit',
  'prepare-commit-msg',
  'commit-msg',
  'post-commit',
  'pre-rebase',
  'post-checkout',
  'post-merge',
  'pre-push',
  'pre-auto-gc',
  'post-rewrite',
  'sendemail-validate',
  'post-index-change',
  'reference-transaction',
];

const HEADER = "# Installed by `git ctx init --hooks`; `git ctx init --hooks --uninstall` removes it.";

export function runnerScript(managed: readonly string[]): string {
  return `#!/bin/sh
${MARKER} runner
${HEADER}
# Runs one git hook: the user's own hook first, then git-ctx's part, isolated so that git-ctx can never
# block, fail or hang the git command (bounded by git config ctx.hookTimeout seconds, default ${DEFAULT_HOOK_TIMEOUT_S}),
# except for one deliberate outcome: a pre-commit refusal asked for by git config ctx.conflicts.block.
# Usage: ${RUNNER_NAME} <hook> <user hook file or ""> [hook arguments...]
hook=$1; chained=$2; shift 2
in=$(mktemp "\${TMPDIR:-/tmp}/git-ctx-hook.XXXXXX" 2>/dev/null) || in=
if [ -n "$in" ]; then
  if [ -t 0 ]; then : >"$in"; else cat >"$in"; fi
else
  in=/dev/null
fi
refuse=
cleanup() { [ "$in" = /dev/null ] || rm -f "$in"; [ -z "$refuse" ] || rm -f "$refuse"; }
# A failed pre- hook stops the git command: then nothing more runs. post- hooks cannot stop anything.
stops() { [ "$1" -ne 0 ] && [ "\${hook#post-}" = "$hook" ]; }
status=0
if [ -n "$chained" ] && [ -f "$chained" ]; then
  GIT_CTX_HOOK_CHAINED=1 "$chained" "$@" <"$in"; status=$?
  if stops $status; then cleanup; exit $status; fi
fi
prev=$(git config --get ctx.hooksChain 2>/dev/null)
if [ -n "$prev" ] && [ -x "$prev/$hook" ] && [ "$(cd "$prev" 2>/dev/null && pwd -P)" != "$(cd "$(dirname "$0")" && pwd -P)" ]; then
  "$prev/$hook" "$@" <"$in"; rc=$?
  [ $status -ne 0 ] || status=$rc
  if stops $status; then cleanup; exit $status; fi
fi
case " ${managed.join(' ')} " in *" $hook "*) ;; *) cleanup; exit $status ;; esac
if [ -n "$GIT_CTX_HOOK" ] || ! command -v git-ctx >/dev/null 2>&1; then cleanup; exit $status; fi
t=$(git config --get ctx.hookTimeout 2>/dev/null)
case "$t" in ''|*[!0-9]*) t=${DEFAULT_HOOK_TIMEOUT_S} ;; esac
[ "$t" -ge 1 ] || t=1
out=$(mktemp "\${TMPDIR:-/tmp}/git-ctx-hook.XXXXXX" 2>/dev/null) || out=/dev/null
# Only pre-commit may refuse, by creating this file and exiting 1 (see the end).
if [ "$hook" = pre-commit ] && [ "$out" != /dev/null ]; then refuse="$out.refuse"; rm -f "$refuse"; fi
GIT_CTX_HOOK=1 GIT_CTX_HOOK_TIMEOUT=$t GIT_CTX_HOOK_REFUSE=$refuse git-ctx hook "$hook" -- "$@" <"$in" >"$out" 2>&1 &
pid=$!
(
  trap 'kill $s 2>/dev/null; exit 0' TERM
  sleep "$t" & s=$!
  wait $s
  kill -TERM $pid 2>/dev/null
  sleep 1
  kill -KILL $pid 2>/dev/null
) </dev/null >/dev/null 2>&1 &
watchdog=$!
wait $pid; rc=$?
kill -TERM $watchdog 2>/dev/null
if [ "$out" != /dev/null ]; then cat "$out" >&2; rm -f "$out"; fi
if [ $rc -eq 1 ] && [ -n "$refuse" ] && [ -f "$refuse" ] && [ -n "$(git config --get ctx.conflicts.block 2>/dev/null)" ]; then
  # A deliberate refusal under ctx.conflicts.block: the one git-ctx outcome that stops the commit.
  status=1
elif [ $rc -ge 128 ]; then
  echo "git-ctx: warning: the $hook hook was stopped after \${t}s (git config ctx.hookTimeout); your git command is not affected" >&2
elif [ $rc -ne 0 ]; then
  echo "git-ctx: warning: the $hook hook failed (exit $rc); your git command is not affected" >&2
fi
cleanup
exit $status
`;
}

export function hookScript(name: string): string {
  return `#!/bin/sh
${MARKER} hook
${HEADER}
r="$(dirname "$0")/${RUNNER_NAME}"
[ -f "$r" ] || exit 0
exec sh "$r" ${name} "" "$@"
`;
}

export function forwarderScript(name: string): string {
  return `#!/bin/sh
${MARKER} forwarder
${HEADER}
# Setting core.hooksPath turned off the hooks in the previous hooks directory: this runs yours.
d=$(git config --get ctx.hooksChain) && [ -x "$d/${name}" ] && exec "$d/${name}" "$@"
exit 0
`;
}

export function block(name: string): string {
  return `${BLOCK_BEGIN} ${HEADER.slice(2)}
if [ -z "$GIT_CTX_HOOK_CHAINED" ] && [ -f "$(dirname "$0")/${RUNNER_NAME}" ]; then exec sh "$(dirname "$0")/${RUNNER_NAME}" ${name} "$0" "$@"; fi
${BLOCK_END}
`;
}

/** Whether a file is one git-ctx wrote whole, and which kind. */
export function managedKind(text: string): string | null {
  const m = /^#![^\n]*\n# git-ctx-managed: (\w+)/.exec(text);
  return m ? m[1]! : null;
}

/** Whether a file is a script the runner can hand over to and back (POSIX-shell family). */
export function isShellScript(text: string): boolean {
  return /^#!\s*(\/usr\/bin\/env\s+)?(\S*\/)?(sh|bash|dash|zsh|ksh|ash)\b/.test(text);
}

/** The file with the git-ctx block removed (exactly the bytes it had before), or null if it has none. */
export function withoutBlock(text: string): string | null {
  const start = text.indexOf(`\n${BLOCK_BEGIN}`);
  if (start < 0) return null;
  const end = text.indexOf(`${BLOCK_END}\n`, start);
  if (end < 0) return null;
  return text.slice(0, start + 1) + text.slice(end + BLOCK_END.length + 1);
}

/** The file with the (current) git-ctx block right after its `#!` line. */
export function withBlock(text: string, name: string): string {
  const base = withoutBlock(text) ?? text;
  const nl = base.indexOf('\n');
  if (nl < 0) return `${base}\n${block(name)}`;
  return base.slice(0, nl + 1) + block(name) + base.slice(nl + 1);
}
