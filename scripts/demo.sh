#!/usr/bin/env bash
# A scratch repository with three linked worktrees, one per "agent", writing to git-ctx at once.
# Shows that parallel writes from every worktree land on one shared context branch, and what an agent
# sees when it starts. Leaves the scratch repository in place and prints where it is.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
ctx() { node "$here/dist/bin.cjs" "$@"; }
[ -f "$here/dist/bin.cjs" ] || (cd "$here" && npm run -s build)

scratch="$(mktemp -d "${TMPDIR:-/tmp}/git-ctx-demo-XXXXXX")"
repo="$scratch/app"
export GIT_CONFIG_NOSYSTEM=1
git init -q -b main "$repo"
cd "$repo"
git config user.name "Demo User"
git config user.email "demo@example.com"
mkdir -p src && printf 'export function parse(s) {\n  return s.trim();\n}\n' > src/parser.js
git add -A && git commit -qm "initial"

echo "== three agents, three worktrees"
for a in alpha beta gamma; do git worktree add -q -b "feature-$a" "$scratch/wt-$a"; echo "  $scratch/wt-$a (feature-$a)"; done

echo "== each agent writes 10 entries, all at once (30 concurrent writers' worth of commits)"
for a in alpha beta gamma; do
  (
    cd "$scratch/wt-$a"
    for i in $(seq 1 10); do
      GIT_CTX_AGENT="$a" ctx add -m "note $i from $a: looked at the parser" --tag demo --ref src/parser.js >/dev/null
    done
  ) &
done
wait
GIT_CTX_AGENT=alpha ctx add -k decision -t "Parser trims input" -m "We trim in parse() rather than at every caller." --ref src/parser.js >/dev/null
echo "  entries on the context branch: $(git ls-tree -r --name-only context -- entries | wc -l) (expected 31)"

echo "== git log context (the journal)"
git log --oneline -n 5 context

echo "== git ctx log -n 5, from another worktree"
(cd "$scratch/wt-gamma" && ctx log -n 5)

echo "== git ctx search 'parser trims'"
ctx search parser trims -n 3

echo "== git ctx show <the decision>"
id="$(ctx log -k decision --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).entries[0].id))')"
ctx show "${id:0:12}"

echo "== alpha ends its session with a handoff; beta starts with the brief and picks the handoff up"
(cd "$scratch/wt-alpha" && GIT_CTX_AGENT=alpha ctx handoff --auto -m "Parser trims input; callers still trim twice." >/dev/null)
(cd "$scratch/wt-beta" && GIT_CTX_AGENT=beta ctx brief --budget 400)
(cd "$scratch/wt-beta" && GIT_CTX_AGENT=beta ctx pickup >/dev/null && echo "  beta picked it up")
(cd "$scratch/wt-gamma" && GIT_CTX_AGENT=gamma ctx pickup --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log("  gamma then finds", JSON.parse(s).handoffs.length, "handoffs left"))')

echo "== alpha and beta both edit parse() (uncommitted): conflicts says so before any merge"
printf 'export function parse(s) {\n  return s.trim().toLowerCase();\n}\n' > "$scratch/wt-alpha/src/parser.js"
printf 'export function parse(s) {\n  return s.trim().toUpperCase();\n}\n' > "$scratch/wt-beta/src/parser.js"
(cd "$scratch/wt-alpha" && ctx conflicts) || true
git -C "$scratch/wt-alpha" checkout -q -- src/parser.js
git -C "$scratch/wt-beta" checkout -q -- src/parser.js

echo "== the checkouts are untouched"
for d in "$repo" "$scratch"/wt-*; do printf '  %s: %s\n' "$(basename "$d")" "$(git -C "$d" status --porcelain | wc -l | tr -d ' ') changed files"; done
git fsck --strict --no-dangling >/dev/null 2>&1 && echo "  git fsck --strict: clean"
echo
echo "Scratch repository: $repo (remove with: rm -rf $scratch)"
