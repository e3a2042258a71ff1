/**
 * The command line run in the current process, as src/bin.ts wires it: the same commander program,
 * the same first git processes (the probe) and the same Deps, with stdin given and stdout and stderr
 * held in memory. No vitest here: helper processes that stay (./session-worker.ts) run it too.
 */
import { spawn } from 'node:child_process';
import { main } from '../../src/cli/main.js';
import { probeFor } from '../../src/git/probe.js';
import type { Deps } from '../../src/deps.js';
import { realDeps } from './real-deps.js';

export interface RunOptions {
  cwd: string;
  args: string[];
  env: Record<string, string | undefined>;
  /** What a closed pipe held (empty unless given). */
  input?: string | Buffer;
  /** Parts of the outside world to fix (a clock that moves on demand, say). */
  deps?: Partial<Deps>;
  /** dist/bin.cjs: what a detached run (work a deadline cut short) starts. */
  bin: string;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(o: RunOptions): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  // As bin.ts: a detached run of the real CLI outlives the command.
  const spawnDetached = (more: readonly string[], dir: string) => {
    spawn(process.execPath, [o.bin, ...more], { cwd: dir, detached: true, stdio: 'ignore', env: o.env }).on('error', () => {}).unref();
  };
  const deps = realDeps(o.cwd, o.env, { stderr: (s) => void (stderr += s), spawnDetached, ...o.deps });
  const input = typeof o.input === 'string' ? Buffer.from(o.input) : (o.input ?? Buffer.alloc(0));
  const probe = probeFor(o.args, o.cwd, o.env, process.getuid?.(), String(process.pid));
  const code = await main(o.args, {
    deps,
    stdout: (s) => void (stdout += s),
    stdoutIsTTY: false,
    writeOut: (text) => Promise.resolve(void (stdout += text)),
    readStdin: (maxBytes = Infinity) => Promise.resolve(input.length > maxBytes ? input.subarray(0, maxBytes + 1) : input),
    probe,
    startedAt: Date.now(),
    spawnDetached,
  });
  // As bin.ts: a command that never opened the store leaves the early object reader to close here.
  if (probe && !probe.taken) probe.cat?.stdin.end();
  return { code, stdout, stderr };
}
