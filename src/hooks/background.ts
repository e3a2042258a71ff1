/**
 * Network work a git hook hands over to a detached run of itself, so that the user's git command
 * never waits on a remote for long (see src/cli/commands/hook.ts): the state of the last such run of
 * each hook, under the common git dir, and the log of what they did.
 *
 * - `hooks/<hook>.json`: the last background run: pid, host, when it started and ended, whether it
 *   succeeded, its lines, and whether a later hook has told the user about its failure.
 * - `hooks/<hook>.log`: one line per message, with its time and outcome (cut to its last half
 *   past LOG_MAX bytes).
 *
 * - `hooks/<hook>.again`: a later hook found a run at work and asks it for the work once more.
 *
 * A failure is told once, by the next git-ctx hook that runs in the repository.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Deps } from '../deps.js';

const LOG_MAX = 256 * 1024;

export interface BackgroundRun {
  hook: string;
  pid: number;
  host: string;
  startedAt: string;
  finishedAt?: string;
  ok?: boolean;
  lines: string[];
  /** The failure was told to the user by a later hook. */
  reported?: boolean;
}

export function hooksDir(privateDir: string): string {
  return join(privateDir, 'hooks');
}

function stateFile(dir: string, hook: string): string {
  return join(dir, `${hook}.json`);
}

export function logFile(dir: string, hook: string): string {
  return join(dir, `${hook}.log`);
}

export function readRun(dir: string, hook: string): BackgroundRun | null {
  try {
    const run = JSON.parse(readFileSync(stateFile(dir, hook), 'utf8')) as BackgroundRun;
    return run && typeof run.pid === 'number' && Array.isArray(run.lines) ? run : null;
  } catch {
    return null;
  }
}

function writeRun(dir: string, run: BackgroundRun, deps: Deps): void {
  mkdirSync(dir, { recursive: true });
  const file = stateFile(dir, run.hook);
  const tmp = `${file}.${deps.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(run)}\n`);
  renameSync(tmp, file);
}

/** Whether a background run of `hook` is still at work (started on this host, its process alive, not finished). */
export function runningInBackground(dir: string, hook: string, deps: Deps): boolean {
  const run = readRun(dir, hook);
  return !!run && !run.finishedAt && run.host === deps.hostname && run.pid !== deps.pid && deps.processAlive(run.pid);
}

/** Ask the background run of `hook` (at work, or the next) for its work once more. */
export function request(dir: string, hook: string, deps: Deps): void {
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${hook}.again`), `${deps.pid}\n`);
  } catch {
    /* the run in progress does the work once; the next hook asks again */
  }
}

export function requested(dir: string, hook: string): boolean {
  return existsSync(join(dir, `${hook}.again`));
}

/** The run takes the request it is about to do. */
export function takeRequest(dir: string, hook: string): void {
  rmSync(join(dir, `${hook}.again`), { force: true });
}

/** A background run begins. */
export function beginRun(dir: string, hook: string, deps: Deps): BackgroundRun {
  const run: BackgroundRun = { hook, pid: deps.pid, host: deps.hostname, startedAt: new Date(deps.now()).toISOString(), lines: [] };
  writeRun(dir, run, deps);
  log(dir, hook, deps, 'started');
  return run;
}

/** A background run ends: its outcome for the next hook, its lines for the log. */
export function endRun(dir: string, run: BackgroundRun, deps: Deps, ok: boolean, lines: readonly string[]): void {
  writeRun(dir, { ...run, finishedAt: new Date(deps.now()).toISOString(), ok, lines: [...lines] }, deps);
  for (const line of lines) log(dir, run.hook, deps, line);
  log(dir, run.hook, deps, ok ? 'done' : 'failed');
}

function log(dir: string, hook: string, deps: Deps, line: string): void {
  try {
    const file = logFile(dir, hook);
    appendFileSync(file, `${new Date(deps.now()).toISOString()} [${deps.pid}] ${line.replace(/\n/g, ' ')}\n`);
    if (statSync(file).size > LOG_MAX) {
      const text = readFileSync(file, 'utf8');
      writeFileSync(file, text.slice(text.indexOf('\n', text.length / 2) + 1));
    }
  } catch {
    /* a log that cannot be written loses lines, nothing else */
  }
}

/**
 * Failures of earlier background runs of `hooks` that nobody was told about yet: one line each, and
 * each marked told.
 */
export function untoldFailures(dir: string, hooks: readonly string[], deps: Deps): string[] {
  const out: string[] = [];
  for (const hook of hooks) {
    const run = readRun(dir, hook);
    if (!run || run.ok !== false || run.reported) continue;
    const reason = run.lines.find((l) => /warning|fail|cannot|refused|timed out/i.test(l)) ?? run.lines[0] ?? 'no reason given';
    const why = reason.replace(/^git-ctx: (warning: )?/, '').replace(/ \(your git command is not affected\)$/, '');
    out.push(`the ${hook} hook's work in the background (${run.startedAt.slice(0, 19).replace('T', ' ')} UTC) failed: ${why} (log: ${logFile(dir, hook)})`);
    try {
      writeRun(dir, { ...run, reported: true }, deps);
    } catch {
      /* told again next time */
    }
  }
  return out;
}
