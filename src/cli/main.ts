/**
 * The command line: one commander program, one file per command. This is the only layer that decides
 * exit codes (through the error classes) and the only one that prints.
 */
import { Command, CommanderError } from 'commander';
import type { CliIO } from './io.js';
import { CtxError, ExitStatus } from '../errors.js';
import { safe } from './output.js';

export const VERSION = '0.1.0';
/** The date the manual page carries: of this version, not of a build. */
const MAN_DATE = '2026-12';

type Loader = () => Promise<{ register(program: Command, io: CliIO): void }>;

/**
 * Every command, with the summary that `git-ctx --help` lists. A command's module (and through it
 * the code it runs) is loaded only when that command runs: start-up is most of the cost of a command.
 */
const COMMANDS: readonly (readonly [name: string, summary: string, load: Loader])[] = [
  ['init', 'create the context branch (or adopt the remote one), configure sync, install git and agent hooks (idempotent)', () => import('./commands/init.js')],
  ['add', 'write one entry; prints its id', () => import('./commands/add.js')],
  ['log', 'list entries, newest first', () => import('./commands/log.js')],
  ['show', 'print one entry, whole (a unique id prefix is enough)', () => import('./commands/show.js')],
  ['search', 'full-text search over titles and bodies, best match first', () => import('./commands/search.js')],
  ['regenerate', 'write a context entry derived from commits, diffs (committed and uncommitted) and test logs', () => import('./commands/regenerate.js')],
  ['push', "merge every clone's context from the remote, then push this clone's own ref: one fetch, one push", () => import('./commands/push.js')],
  ['pull', 'fetch the context branch from a remote and merge it (never loses an entry)', () => import('./commands/pull.js')],
  ['sync', 'pull and push: both sides end up with every entry', () => import('./commands/sync.js')],
  ['hook', 'run by the git hooks that init --hooks installs; fails the git command only to refuse a commit (ctx.conflicts.block)', () => import('./commands/hook.js')],
  ['scan', 'audit the context branch history for secrets; exit 1 if any are found', () => import('./commands/scan.js')],
  ['conflicts', 'compare the edits of every session (worktrees here, published ones elsewhere) and report overlaps', () => import('./commands/conflicts.js')],
  ['publish', "record this session's work in progress in the context, for conflict checks on other machines", () => import('./commands/publish.js')],
  ['handoff', 'write a handoff for the next session: Summary, What changed, What still needs work, Key decisions, Active context', () => import('./commands/handoff.js')],
  ['pickup', 'print the handoffs waiting for this session and mark them consumed (each goes to exactly one session)', () => import('./commands/pickup.js')],
  ['brief', 'what a starting session must read, within a token budget (tokens = ceil(UTF-8 bytes / 4))', () => import('./commands/brief.js')],
  ['send', 'send a message to a session, an agent, or all (the default)', () => import('./commands/send.js')],
  ['inbox', 'messages for this session (addressed to it, its agent, or all) that it has not read', () => import('./commands/inbox.js')],
  ['gc', 'retention: remove consumed handoffs, read messages and done tasks older than the window (history keeps them)', () => import('./commands/gc.js')],
  ['sessions', 'linked worktrees, and the sessions seen in the context recently', () => import('./commands/sessions.js')],
  ['task', 'a shared work queue: task add|list|claim|done|release|show; each claim goes to exactly one session', () => import('./commands/task.js')],
  ['wave', "a wave's tasks, their state and their results (what the next wave reads)", () => import('./commands/wave.js')],
  ['mcp', 'serve git-ctx to agents over the Model Context Protocol (stdio)', () => import('./commands/mcp.js')],
  ['agent-hook', 'run by the agent hooks that init --agent installs: reads the hook JSON on stdin; never fails the agent', () => import('./commands/agent-hook.js')],
];

/**
 * The command line for `argv`. Only the command that argv names is loaded; with no known command
 * (help, a typo) every command is loaded, so that help and suggestions are complete.
 */
export async function buildProgram(io: CliIO, argv: readonly string[]): Promise<Command> {
  const program = new Command('git-ctx');
  program
    .description('a git-native context store for parallel coding agents')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.deps.stderr(s), outputError: () => {} });
  const wanted = invokedCommand(argv);
  for (const [name, summary, load] of COMMANDS) {
    // The others are not even named: commander lists them only in help, which loads them all.
    if (wanted !== undefined && wanted !== name) continue;
    (await load()).register(program, io);
    const cmd = program.commands[program.commands.length - 1]!;
    cmd.description(summary).exitOverride().configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.deps.stderr(s), outputError: () => {} });
  }
  return program;
}

/**
 * The command argv runs, if it is one of ours (`help CMD` shows CMD). With -h or --help anywhere, none:
 * `git-ctx -h CMD` prints the whole program's help. git-ctx's own options take no values.
 */
function invokedCommand(argv: readonly string[]): string | undefined {
  if (argv.some((a) => a === '-h' || a === '--help')) return undefined;
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return COMMANDS.some(([n]) => n === name) ? name : undefined;
}

/** Run the command line; returns the exit code. */
/** The exit statuses, for the manual page (docs/SPEC: exit codes). */
export const EXIT_STATUSES = [
  [0, 'success, also when nothing was found'],
  [1, '--exit-code found something (conflicts), a secret was found (scan), or an internal error'],
  [2, 'bad usage or bad input'],
  [3, 'not a git repository, context not initialised, or id not found'],
  [5, 'a remote failed: unreachable, timed out, or rejected after retries'],
] as const;

export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const json = argv.includes('--json');
  if (argv.length === 1 && argv[0] === '--man-page') {
    // Run by the build to write dist/man/git-ctx.1: the manual page from the same program as -h.
    const { renderManPage } = await import('./manpage.js');
    io.stdout(renderManPage(await buildProgram(io, []), { version: VERSION, exits: EXIT_STATUSES, date: MAN_DATE }));
    return 0;
  }
  try {
    await (await buildProgram(io, argv)).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    return reportError(e, io, json);
  }
}

export function reportError(e: unknown, io: CliIO, json: boolean): number {
  if (e instanceof ExitStatus) return e.exitCode; // the result is printed already
  if (e instanceof CommanderError) {
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    const message = e.message.replace(/^error:\s*/, '');
    io.deps.stderr(`git-ctx: ${message}\n`);
    if (json) io.stdout(`${JSON.stringify({ schemaVersion: 1, error: { code: 'E_USAGE', message } })}\n`);
    return 2;
  }
  const debug = io.deps.env.GIT_CTX_DEBUG === '1';
  if (e instanceof CtxError) {
    io.deps.stderr(`git-ctx: ${safe(e.message, false)}\n`);
    if (e.hint) io.deps.stderr(`hint: ${e.hint}\n`);
    if (debug && e.stack) io.deps.stderr(`${e.stack}\n`);
    if (json) io.stdout(`${JSON.stringify({ schemaVersion: 1, error: e.toJSON() })}\n`);
    return e.exitCode;
  }
  const err = e as Error;
  io.deps.stderr(`git-ctx: internal error: ${safe(err?.message ?? String(e), false)}\n`);
  if (debug && err?.stack) io.deps.stderr(`${err.stack}\n`);
  else io.deps.stderr('hint: run with GIT_CTX_DEBUG=1 for details\n');
  if (json) io.stdout(`${JSON.stringify({ schemaVersion: 1, error: { code: 'E_INTERNAL', message: err?.message ?? String(e) } })}\n`);
  return 1;
}
