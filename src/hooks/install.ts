/**
 * `git ctx init --hooks`: install (or, with --uninstall, remove) the git hooks of GIT_HOOKS in the
 * user's repository. This and `init --agent` are the only commands that write outside the context
 * branch (storage invariant 2), and they only add files of their own and marked blocks.
 *
 * Where the hooks go:
 * - `core.hooksPath` not set in the repository's own config: into `<worktree>/.githooks/`, enabled by
 *   setting `core.hooksPath` to its absolute path (so every linked worktree uses it, committed or not).
 *   That turns off the hooks directory git used before (`.git/hooks`, or a global core.hooksPath), so
 *   it is remembered as `ctx.hooksChain`: the runner runs the user's hook from there first, and every
 *   other hook found there gets a forwarder, so that nothing the user had stops running.
 * - `core.hooksPath` set by the repository (a team's versioned hooks, husky...): into that directory,
 *   next to the user's hooks. A hook file the user already has there keeps its content and gets a
 *   marked block after its `#!` line that runs it through the runner.
 *
 * Installing twice writes the same files. Uninstalling removes what git-ctx wrote (files marked as
 * its own, blocks), unsets `core.hooksPath` if git-ctx set it, and leaves every user hook as it was.
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Ctx } from '../core/context.js';
import { GIT_HOOKS } from './git-hooks.js';
import { CLIENT_HOOKS, RUNNER_NAME, forwarderScript, hookScript, isShellScript, managedKind, runnerScript, withBlock, withoutBlock } from './scripts.js';
import { UsageError } from '../errors.js';

export interface HooksResult {
  /** The directory holding the hooks. */
  dir: string;
  /** core.hooksPath as git-ctx set it (null: the user's own setting is kept). */
  hooksPath: string | null;
  /** git-ctx hooks written as files of their own. */
  installed: string[];
  /** User hook files that got the git-ctx block. */
  chained: string[];
  /** User hooks in the previous hooks directory kept running by a forwarder. */
  forwarded: string[];
  /** Files removed or restored (uninstall). */
  removed: string[];
  warnings: string[];
}

interface Layout {
  dir: string;
  /** git-ctx owns core.hooksPath (set it now or before). */
  ownsHooksPath: boolean;
  /** The hooks directory git used before git-ctx set core.hooksPath. */
  previous: string | null;
}

async function configGet(ctx: Ctx, key: string, scoped = false): Promise<{ value: string; scope: string } | null> {
  const args = scoped ? ['config', '--show-scope', '--get', key] : ['config', '--get', key];
  // userHooks: without git-ctx's own `-c core.hooksPath=/dev/null`, which would answer for the user.
  const r = await ctx.repo.git.run(args, { okStatus: [0, 1], userHooks: true });
  if (r.status !== 0) return null;
  const out = r.stdout.toString('utf8').replace(/\n$/, '');
  if (!scoped) return { value: out, scope: '' };
  const tab = out.indexOf('\t');
  return { scope: out.slice(0, tab), value: out.slice(tab + 1) };
}

async function configSet(ctx: Ctx, key: string, value: string | null): Promise<void> {
  const args = value === null ? ['config', '--local', '--unset-all', key] : ['config', '--local', key, value];
  await ctx.repo.git.run(args, { okStatus: [0, 5], userHooks: true });
}

function expandHome(ctx: Ctx, path: string): string {
  const home = ctx.deps.env.HOME;
  return home && (path === '~' || path.startsWith('~/')) ? join(home, path.slice(1)) : path;
}

async function layout(ctx: Ctx, top: string): Promise<Layout> {
  const current = await configGet(ctx, 'core.hooksPath', true);
  const ours = (await configGet(ctx, 'ctx.hooksPathSet'))?.value ?? null;
  const resolveDir = (v: string) => resolve(top, expandHome(ctx, v));
  if (current && (current.scope === 'local' || current.scope === 'worktree') && current.value !== ours) {
    return { dir: resolveDir(current.value), ownsHooksPath: false, previous: null };
  }
  const remembered = (await configGet(ctx, 'ctx.hooksChain'))?.value ?? null;
  const previous = ours && current?.value === ours ? remembered : current ? resolveDir(current.value) : join(ctx.repo.commonDir, 'hooks');
  return { dir: ours && current?.value === ours ? ours : join(top, '.githooks'), ownsHooksPath: true, previous };
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** Replace a file whole (temp file + rename): mode 0755, or the mode a user's file had. */
function writeScript(path: string, text: string, keepMode = false): void {
  let mode = 0o755;
  if (keepMode) mode = statSync(path).mode & 0o7777;
  const tmp = `${path}.git-ctx-tmp`;
  writeFileSync(tmp, text, { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, path);
}

function isExecutableFile(path: string): boolean {
  try {
    const st = statSync(path);
    return st.isFile() && (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Write git-ctx's script for `name`, or chain into the user's file there. Returns what it did. */
function place(path: string, name: string, script: string, r: HooksResult, kind: 'installed' | 'forwarded'): void {
  const existing = readText(path);
  if (existing === null || managedKind(existing)) {
    writeScript(path, script);
    r[kind].push(name);
  } else if (isShellScript(existing)) {
    const next = withBlock(existing, name);
    if (next !== existing) writeScript(path, next, true);
    r.chained.push(name);
  } else {
    r.warnings.push(`${path} is not a shell script, so git-ctx cannot chain into it; add this line to it: git-ctx hook ${name} -- "$@"`);
  }
}

export async function installGitHooks(ctx: Ctx): Promise<HooksResult> {
  const top = ctx.repo.workTree;
  if (!top) throw new UsageError('git hooks need a working tree (this repository is bare)', { code: 'E_BARE' });
  const l = await layout(ctx, top);
  const r: HooksResult = { dir: l.dir, hooksPath: l.ownsHooksPath ? l.dir : null, installed: [], chained: [], forwarded: [], removed: [], warnings: [] };
  mkdirSync(l.dir, { recursive: true });
  writeScript(join(l.dir, RUNNER_NAME), runnerScript(GIT_HOOKS.map((h) => h.name)));
  for (const hook of GIT_HOOKS) place(join(l.dir, hook.name), hook.name, hookScript(hook.name), r, 'installed');
  if (l.ownsHooksPath && l.previous && existsSync(l.previous)) {
    const managed = new Set(GIT_HOOKS.map((h) => h.name));
    for (const name of readdirSync(l.previous).sort()) {
      if (!CLIENT_HOOKS.includes(name) || managed.has(name) || !isExecutableFile(join(l.previous, name))) continue;
      place(join(l.dir, name), name, forwarderScript(name), r, 'forwarded');
    }
  }
  if (l.ownsHooksPath) {
    await configSet(ctx, 'ctx.hooksChain', l.previous);
    await configSet(ctx, 'ctx.hooksPathSet', l.dir);
    await configSet(ctx, 'core.hooksPath', l.dir);
  }
  return r;
}

export async function uninstallGitHooks(ctx: Ctx): Promise<HooksResult> {
  const top = ctx.repo.workTree;
  if (!top) throw new UsageError('git hooks need a working tree (this repository is bare)', { code: 'E_BARE' });
  const l = await layout(ctx, top);
  const r: HooksResult = { dir: l.dir, hooksPath: null, installed: [], chained: [], forwarded: [], removed: [], warnings: [] };
  if (existsSync(l.dir)) {
    for (const name of readdirSync(l.dir).sort()) {
      const path = join(l.dir, name);
      const text = readText(path);
      if (text === null) continue;
      if (managedKind(text)) {
        unlinkSync(path);
        r.removed.push(name);
        continue;
      }
      const restored = withoutBlock(text);
      if (restored !== null) {
        writeScript(path, restored, true);
        r.removed.push(name);
      }
    }
  }
  const ours = (await configGet(ctx, 'ctx.hooksPathSet'))?.value ?? null;
  if (ours !== null) {
    if ((await configGet(ctx, 'core.hooksPath'))?.value === ours) await configSet(ctx, 'core.hooksPath', null);
    await configSet(ctx, 'ctx.hooksPathSet', null);
    await configSet(ctx, 'ctx.hooksChain', null);
    try {
      rmdirSync(ours); // only if git-ctx left it empty
    } catch {
      /* the user's files are still there */
    }
  }
  return r;
}
