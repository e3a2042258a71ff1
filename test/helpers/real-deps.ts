import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { processAlive, type Deps } from '../../src/deps.js';

/** The real system, as src/bin.ts wires it, for tests and helper processes that call core directly. */
export function realDeps(cwd: string, env: Record<string, string | undefined> = process.env, over: Partial<Deps> = {}): Deps {
  return {
    cwd,
    env,
    now: () => Date.now(),
    random: (n) => randomBytes(n),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    stderr: () => {},
    stderrIsTTY: false,
    pid: process.pid,
    hostname: hostname(),
    processAlive,
    uid: process.getuid?.(),
    ...over,
  };
}
