/**
 * Git hooks hand their network work to a detached background run when it takes over a second
 * (src/cli/commands/hook.ts). Tests of what that work does wait for the run to end and read what it
 * said, so that they read the same on a busy machine as on a quiet one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from './repo.js';

export interface HookRun {
  hook: string;
  pid: number;
  startedAt: string;
  ok?: boolean;
  lines: string[];
  finishedAt?: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The hooks whose work a git command's stderr says went on in the background. */
export function handedOver(stderr: string): string[] {
  return [...stderr.matchAll(/git-ctx: ([a-z-]+): the remote is slow/g)].map((m) => m[1]!);
}

/** The last background run of each of `hooks` in the repository of `cwd`, once it ended (started since `since`). */
export function backgroundRuns(cwd: string, since: number, hooks: string[], waitMs = 60_000): HookRun[] {
  const dir = join(git(cwd, ['rev-parse', '--path-format=absolute', '--git-common-dir']), 'ctx', 'hooks');
  const end = Date.now() + waitMs;
  for (;;) {
    const runs = hooks.map((h): HookRun | null => {
      try {
        return JSON.parse(readFileSync(join(dir, `${h}.json`), 'utf8'));
      } catch {
        return null;
      }
    });
    // Ended since the command began, with no request for more work left (a run that was busy does the
    // work again before it ends; a new run takes the request as it begins).
    const ended = (r: HookRun | null, h: string) => r && !existsSync(join(dir, `${h}.again`)) && (r.finishedAt ? Date.parse(r.finishedAt) >= since : !alive(r.pid));
    if (runs.every((r, i) => ended(r, hooks[i]!))) return runs as HookRun[];
    if (Date.now() > end) throw new Error(`background hook runs still going after ${waitMs} ms: ${JSON.stringify(runs)}`);
    sleepSync(50);
  }
}

/** A git command's stderr, with what the background runs it handed work to said once they ended. */
export function withBackground(cwd: string, since: number, stderr: string): string {
  const hooks = handedOver(stderr);
  if (!hooks.length) return stderr;
  return stderr + backgroundRuns(cwd, since, hooks).flatMap((r) => r.lines.map((l) => `${l}\n`)).join('');
}

/** Stop a background hook run a test left going (against a remote that never answers). */
export function stopBackground(cwd: string, hook: string): void {
  try {
    const dir = join(git(cwd, ['rev-parse', '--path-format=absolute', '--git-common-dir']), 'ctx', 'hooks');
    const run = JSON.parse(readFileSync(join(dir, `${hook}.json`), 'utf8'));
    if (!run.finishedAt && alive(run.pid)) process.kill(run.pid, 'SIGTERM');
  } catch {
    /* none */
  }
}
